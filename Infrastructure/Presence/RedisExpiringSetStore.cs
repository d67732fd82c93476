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

    // Answers 1 when the member was there and not yet expired.
    private static readonly LuaScript AddScript = LuaScript.Prepare("""
        local before = redis.call('ZSCORE', @key, @member)
        redis.call('ZADD', @key, @expiresAt, @member)
        local ttl = redis.call('PTTL', @key)
        if ttl < tonumber(@ttlMs) then redis.call('PEXPIRE', @key, @ttlMs) end
        if before and tonumber(before) > tonumber(@now) then return 1 end
        return 0
        """);

    // Drops the expired members first (a set asked about this way is never read whole, so nothing else would), then
    // answers the 1-based positions of the candidates that are members.
    private const string WhichScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local found = {}
        for i = 2, #ARGV do
          if redis.call('ZSCORE', KEYS[1], ARGV[i]) then table.insert(found, i - 1) end
        end
        return found
        """;

    public async ValueTask<bool> AddAsync(string key, string member, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var continued = await redis.GetDatabase().ScriptEvaluateAsync(AddScript, new
        {
            key = (RedisKey)(KeyPrefix + key), expiresAt = (now + ttl).ToUnixTimeMilliseconds(), member = (RedisValue)member,
            ttlMs = (long)ttl.TotalMilliseconds, now = now.ToUnixTimeMilliseconds(),
        });
        return (long)continued == 1;
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

    public async ValueTask<IReadOnlyList<string>> WhichAreMembersAsync(string key, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default)
    {
        if (candidates.Count == 0)
            return [];
        RedisValue[] arguments = [clock.GetUtcNow().ToUnixTimeMilliseconds(), .. candidates.Select(c => (RedisValue)c)];
        var found = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(WhichScript, [(RedisKey)(KeyPrefix + key)], arguments))!;
        return found.Select(position => candidates[(int)position - 1]).ToList();
    }
}
