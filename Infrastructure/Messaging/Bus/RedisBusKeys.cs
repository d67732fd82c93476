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
    public static string RoomBase(long roomId) => $"shoot:room:{roomId}:base";

    /// <summary>Each sender's own seqs of the room, as lexically sorted members "{senderId:D20}:{seq:D20}" (one key for all senders).</summary>
    public static string RoomOwn(long roomId) => $"shoot:room:{roomId}:own";

    public static string RoomGone(long roomId) => $"shoot:room:{roomId}:gone";
    /// <summary>Bumped when a message under the base is deleted: readers' store counts under the base are stale then.</summary>
    public static string RoomBelowVersion(long roomId) => $"shoot:room:{roomId}:below-version";

    public static string OwnPrefix(long senderId) => $"{senderId:D20}:";
    public static string UserUnread(long userId) => $"shoot:user:{userId}:unread";
    public static string Send(SendKey key) => $"shoot:send:{key.RoomId}:{key.SenderId}:{key.TempId}";

    /// <summary>
    /// A quiet room's counter, ring and unread ledger expire after this (as does an idle user's unread counts); the
    /// counter is then rebuilt from the store, and the ledger starts again from there.
    /// </summary>
    public static readonly TimeSpan RoomKeysLifetime = TimeSpan.FromDays(7);
}
