namespace Shoot.Features.Rooms;

/// <summary>The API's Room (docs/api.md): what one participant sees of a room, with everyone in it.</summary>
public sealed record Room(
    long Id,
    RoomType Type,
    string? Title,
    IReadOnlyList<Participant> Participants,
    string? Announcement,
    LastMessage? LastMessage,
    DateTimeOffset LastActiveAt,
    DateTimeOffset CreatedAt);
