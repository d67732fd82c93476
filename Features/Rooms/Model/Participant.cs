namespace Shoot.Features.Rooms;

/// <summary>One person in a room, as every participant sees them; the read position is theirs.</summary>
public sealed record Participant(long UserId, string Nickname, ParticipantRole Role, DateTimeOffset JoinedAt, string? LastReadMessageId);
