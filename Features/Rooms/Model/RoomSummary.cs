namespace Shoot.Features.Rooms;

/// <summary>One line of a room list, as the caller sees it.</summary>
public sealed record RoomSummary(
    long Id,
    RoomType Type,
    string? Title,
    long UnreadCount,
    LastMessage? LastMessage,
    DateTimeOffset LastActiveAt,
    bool Favorite);
