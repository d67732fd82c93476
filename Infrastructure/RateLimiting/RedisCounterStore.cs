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

    public async ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().KeyTimeToLiveAsync(KeyPrefix + key);

    public async ValueTask SetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().StringSetAsync(KeyPrefix + key, 1, ttl);

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key);
}
