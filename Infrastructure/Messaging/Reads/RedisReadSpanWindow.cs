using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Reads;

/// <summary>
/// The shared window: one hash per room (<c>shoot:reads:{roomId}</c>: from, upTo), changed by scripts only. Ids compare
/// as bytes in Lua as they do ordinally in .NET; the room's start is the empty string, which sorts before every id.
/// </summary>
public sealed class RedisReadSpanWindow(IConnectionMultiplexer redis) : IReadSpanWindow
{
    /// <summary>An open window is dropped after this many windows if its instance never takes it.</summary>
    private const int LapseAfterWindows = 10;

    private const string AddScript = """
        local opened = redis.call('EXISTS', KEYS[1]) == 0
        local from = redis.call('HGET', KEYS[1], 'from')
        local upTo = redis.call('HGET', KEYS[1], 'upTo')
        if not from or ARGV[1] < from then redis.call('HSET', KEYS[1], 'from', ARGV[1]) end
        if not upTo or ARGV[2] > upTo then redis.call('HSET', KEYS[1], 'upTo', ARGV[2]) end
        if opened then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          return 1
        end
        return 0
        """;

    private const string TakeScript = """
        local span = redis.call('HMGET', KEYS[1], 'from', 'upTo')
        redis.call('DEL', KEYS[1])
        return span
        """;

    public async Task<bool> AddAsync(long roomId, string? before, string now, TimeSpan window, CancellationToken cancellationToken = default) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(AddScript, [Key(roomId)],
            [before ?? "", now, (long)(window * LapseAfterWindows).TotalMilliseconds]) == 1;

    public async Task<ReadSpan?> TakeAsync(long roomId, CancellationToken cancellationToken = default)
    {
        var span = (RedisValue[])(await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [Key(roomId)]))!;
        if (span[1].IsNull)
            return null;
        var from = (string?)span[0];
        return new ReadSpan(string.IsNullOrEmpty(from) ? null : from, (string)span[1]!);
    }

    private static string Key(long roomId) => $"shoot:reads:{roomId}";
}
