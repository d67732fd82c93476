using Shoot.Infrastructure.Caching;
using Shoot.Tests.Fixtures;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Caching;

/// <summary>The cache port behaves the same in-process and on a real Redis.</summary>
public abstract class CacheSuite
{
    protected abstract ICache Cache { get; }

    private static string NewKey() => "k" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Returns_what_was_stored_and_null_for_what_was_not()
    {
        var key = NewKey();
        Assert.Null(await Cache.GetAsync(key));

        await Cache.SetAsync(key, "first", TimeSpan.FromMinutes(1));
        Assert.Equal("first", await Cache.GetAsync(key));

        await Cache.SetAsync(key, "second", TimeSpan.FromMinutes(1));
        Assert.Equal("second", await Cache.GetAsync(key));
        Assert.Null(await Cache.GetAsync(NewKey()));
    }

    [Fact]
    public async Task Versions_start_at_zero_and_count_each_bump_per_key()
    {
        var (key, other) = (NewKey(), NewKey());
        Assert.Equal(0, await Cache.GetVersionAsync(key));

        Assert.Equal(1, await Cache.BumpVersionAsync(key));
        Assert.Equal(2, await Cache.BumpVersionAsync(key));

        Assert.Equal(2, await Cache.GetVersionAsync(key));
        Assert.Equal(0, await Cache.GetVersionAsync(other));
    }

    [Fact]
    public async Task Entries_and_versions_with_the_same_name_are_separate()
    {
        var key = NewKey();
        await Cache.SetAsync(key, "17", TimeSpan.FromMinutes(1));

        Assert.Equal(0, await Cache.GetVersionAsync(key));
        Assert.Equal(1, await Cache.BumpVersionAsync(key));
        Assert.Equal("17", await Cache.GetAsync(key));
    }

    [Fact]
    public async Task Concurrent_bumps_are_all_counted()
    {
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Cache.BumpVersionAsync(key).AsTask()));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.Order());
        Assert.Equal(100, await Cache.GetVersionAsync(key));
    }
}

[Trait("Category", "Unit")]
public sealed class InMemoryCacheTests : CacheSuite, IDisposable
{
    private readonly InMemoryCache _cache = new();

    protected override ICache Cache => _cache;

    public void Dispose() => _cache.Dispose();
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisCacheTests(RedisServerFixture redis) : CacheSuite, IDisposable
{
    private readonly ConnectionMultiplexer _connection = ConnectionMultiplexer.Connect(redis.ConnectionString);

    protected override ICache Cache => new RedisCache(_connection);

    public void Dispose() => _connection.Dispose();
}
