using StackExchange.Redis;

namespace Shoot.Infrastructure.RateLimiting;

/// <summary>Counters shared by every instance. INCR and the first PEXPIRE run as one script so a crash between them cannot leave a counter that never expires.</summary>
public sealed class RedisCounterStore(IConnectionMultiplexer redis) : ICounterStore
{
    private const string KeyPrefix = "shoot:counter:";

    private static readonly LuaScript IncrementScript = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @windowMs) end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then redis.call('PEXPIRE', @key, @windowMs); ttl = tonumber(@windowMs) end
        return { count, ttl }
        """);

    public async ValueTask<CounterState> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(IncrementScript,
            new { key = (RedisKey)(KeyPrefix + key), windowMs = (long)window.TotalMilliseconds }))!;
        return new CounterState((long)result[0], TimeSpan.FromMilliseconds((long)result[1]));
    }

    // KEYS: the counters; ARGV: per counter its window (ms) and limit. Each counter as in IncrementScript; stops at the
    // first one over its limit.
    private const string IncrementWithinLimitsScript = """
        for i = 1, #KEYS do
          local count = redis.call('INCR', KEYS[i])
          local window = ARGV[2 * i - 1]
          if count == 1 then redis.call('PEXPIRE', KEYS[i], window) end
          local ttl = redis.call('PTTL', KEYS[i])
          if ttl < 0 then redis.call('PEXPIRE', KEYS[i], window); ttl = tonumber(window) end
          if count > tonumber(ARGV[2 * i]) then return { i - 1, count, ttl } end
        end
        return { -1, 0, 0 }
        """;

    public async ValueTask<LimitCheck> IncrementWithinLimitsAsync(IReadOnlyList<CounterLimit> counters, CancellationToken cancellationToken = default)
    {
        var keys = new RedisKey[counters.Count];
        var values = new RedisValue[2 * counters.Count];
        for (var i = 0; i < counters.Count; i++)
        {
            keys[i] = KeyPrefix + counters[i].Key;
            values[2 * i] = (long)counters[i].Window.TotalMilliseconds;
            values[2 * i + 1] = counters[i].Limit;
        }
        var result = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(IncrementWithinLimitsScript, keys, values))!;
        return result[0] < 0 ? LimitCheck.WithinLimits : new LimitCheck((int)result[0], new CounterState(result[1], TimeSpan.FromMilliseconds(result[2])));
    }

    public async ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().KeyTimeToLiveAsync(KeyPrefix + key);

    public async ValueTask SetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().StringSetAsync(KeyPrefix + key, 1, ttl);

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key);
}
