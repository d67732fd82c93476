using StackExchange.Redis;

namespace Shoot.Infrastructure.Caching;

/// <summary>
/// The cache shared by every instance. Entries carry a TTL and may be evicted by Redis' memory policy; version counters
/// carry none, and since an entry's key holds the version it was built on, an evicted counter can only make entries
/// unreachable (it restarts below the numbers in use only if Redis loses data, and then the entries go with it).
/// </summary>
public sealed class RedisCache(IConnectionMultiplexer redis) : ICache
{
    private const string EntryPrefix = "shoot:cache:";
    private const string VersionPrefix = "shoot:cache-version:";

    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().StringGetAsync(EntryPrefix + key);

    public async ValueTask SetAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().StringSetAsync(EntryPrefix + key, value, ttl);

    public async ValueTask<long> GetVersionAsync(string key, CancellationToken cancellationToken = default) =>
        (long?)await redis.GetDatabase().StringGetAsync(VersionPrefix + key) ?? 0;

    public async ValueTask<long> BumpVersionAsync(string key, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().StringIncrementAsync(VersionPrefix + key);
}
