namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The Redis keys of the bus. One stream carries every event of every room in one order; each instance reads all of it
/// from its own last id (no consumer group: a group would hand each event to one instance only). A pub/sub ping tells
/// readers there is something new, so they neither block a multiplexed connection nor poll fast.
/// </summary>
internal static class RedisBusKeys
{
    public const string Stream = "shoot:bus";
    public const string Notify = "shoot:bus:notify";

    /// <summary>Events kept in the bus stream; an instance that falls further behind than this has lost the gap.</summary>
    public const int StreamLength = 100_000;

    public static string RoomSeq(long roomId) => $"shoot:room:{roomId}:seq";
    public static string RoomRing(long roomId) => $"shoot:room:{roomId}:recent";
    public static string Send(SendKey key) => $"shoot:send:{key.RoomId}:{key.SenderId}:{key.TempId}";

    /// <summary>A quiet room's counter and ring expire after this; the counter is then rebuilt from the store.</summary>
    public static readonly TimeSpan RoomKeysLifetime = TimeSpan.FromDays(7);
}
