using StackExchange.Redis;

namespace Shoot.Infrastructure.Presence;

/// <summary>
/// One sorted set per key, each member scored by its expiry (Unix ms). Reads first drop the expired members, so a
/// dead instance's sessions disappear one TTL after its last refresh. The key itself expires with its newest member,
/// so abandoned sets do not pile up.
/// </summary>
public sealed class RedisExpiringSetStore(IConnectionMultiplexer redis, TimeProvider clock) : IExpiringSetStore
{
    private const string KeyPrefix = "shoot:set:";

    private static readonly LuaScript AddScript = LuaScript.Prepare("""
        redis.call('ZADD', @key, @expiresAt, @member)
        local ttl = redis.call('PTTL', @key)
        if ttl < tonumber(@ttlMs) then redis.call('PEXPIRE', @key, @ttlMs) end
        return 1
        """);

    public async ValueTask AddAsync(string key, string member, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var expiresAt = (clock.GetUtcNow() + ttl).ToUnixTimeMilliseconds();
        await redis.GetDatabase().ScriptEvaluateAsync(AddScript,
            new { key = (RedisKey)(KeyPrefix + key), expiresAt, member = (RedisValue)member, ttlMs = (long)ttl.TotalMilliseconds });
    }

    public async ValueTask RemoveAsync(string key, string member, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().SortedSetRemoveAsync(KeyPrefix + key, member);

    public async ValueTask<IReadOnlyList<string>> MembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Scores are compared with each instance's clock; instances are assumed NTP-synchronised, far within the TTL.
        await database.SortedSetRemoveRangeByScoreAsync(KeyPrefix + key, double.NegativeInfinity, now);
        var members = await database.SortedSetRangeByRankAsync(KeyPrefix + key);
        return members.Select(m => m.ToString()).ToList();
    }
}
