using StackExchange.Redis;

namespace Shoot.Infrastructure.Coordination;

/// <summary>The shared gate: one hash per key (<c>shoot:turn:{key}</c>: again flag) that expires after the hold limit.</summary>
public sealed class RedisTurnGate(IConnectionMultiplexer redis) : ITurnGate
{
    private const string EnterScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('HSET', KEYS[1], 'again', 1)
          return 0
        end
        redis.call('HSET', KEYS[1], 'again', 0)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    private const string LeaveScript = """
        if redis.call('HGET', KEYS[1], 'again') == '1' then
          redis.call('HSET', KEYS[1], 'again', 0)
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          return 1
        end
        redis.call('DEL', KEYS[1])
        return 0
        """;

    private static long HoldMilliseconds => (long)ITurnGate.HoldLimit.TotalMilliseconds;

    public async Task<bool> TryEnterAsync(string key, CancellationToken cancellationToken = default) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(EnterScript, [Key(key)], [HoldMilliseconds]) == 1;

    public async Task<bool> LeaveAsync(string key, CancellationToken cancellationToken = default) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(LeaveScript, [Key(key)], [HoldMilliseconds]) == 1;

    private static string Key(string key) => $"shoot:turn:{key}";
}
