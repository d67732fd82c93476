namespace Shoot.Features.Rooms;

/// <summary>The newest stored message of a room, as room lists and details show it.</summary>
public sealed record LastMessage(string Id, string Text, long SenderId, DateTimeOffset CreatedAt);
