using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoot.Features.Friends;
using Shoot.Infrastructure.Coordination;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using StackExchange.Redis;

namespace Shoot.Tests.Features.Friends;

/// <summary>Two instances sharing PostgreSQL and a real Redis: the refresh runs on one of them at a time, under RedLock.</summary>
[Trait("Category", "Integration")]
public sealed class ScaledRecommendationRefreshTests(SharedPostgres postgres, RedisServerFixture redis)
    : IClassFixture<SharedPostgres>, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string LockKey = "redlock:" + RecommendationRefresher.LockResource;

    private ShootAppFactory _first = null!;
    private ShootAppFactory _second = null!;

    public async Task InitializeAsync() => (_first, _second) = await TwoInstancesAsync(postgres, redis, null);

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task Rounds_started_on_both_instances_at_once_refresh_once_and_both_read_the_result()
    {
        var api = new ApiClient(_first.CreateShootClient());
        var u = await api.SignUpManyAsync(3);
        await RecommendationRefreshScenario.MakeFriendsAsync(api, u[0], u[1]);
        await RecommendationRefreshScenario.MakeFriendsAsync(api, u[1], u[2]);

        var rounds = await Task.WhenAll(Refresher(_first).RefreshAsync(), Refresher(_second).RefreshAsync());

        // The other one found the lock held (rounds overlapped) or the round done (it came after): never a second round.
        Assert.Single(rounds, r => r.Outcome == RefreshOutcome.Refreshed);
        Assert.Single(rounds, r => r.Outcome is RefreshOutcome.SkippedHeldElsewhere or RefreshOutcome.SkippedRecentlyDone);
        Assert.Equal([u[2].Id], await RecommendationRefreshScenario.CachedFirstPageAsync(_second.Services, u[0].Id));
        Assert.Equal([u[0].Id], await RecommendationRefreshScenario.CachedFirstPageAsync(_first.Services, u[2].Id));
    }

    [Fact]
    public async Task While_one_instance_holds_the_lock_the_other_skips_and_the_lock_has_an_owner_and_an_expiry()
    {
        var firstLock = _first.Services.GetRequiredService<IInstanceLock>();
        Assert.IsType<RedLockInstanceLock>(firstLock);
        await using var redisClient = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = redisClient.GetDatabase();

        await using (var running = await firstLock.TryAcquireAsync(RecommendationRefresher.LockResource, RecommendationRefresher.LockExpiry))
        {
            Assert.True(running.Acquired);
            Assert.Equal(new RefreshRound(RefreshOutcome.SkippedHeldElsewhere, 0), await Refresher(_second).RefreshAsync());
            await using (var rival = await _second.Services.GetRequiredService<IInstanceLock>()
                .TryAcquireAsync(RecommendationRefresher.LockResource, RecommendationRefresher.LockExpiry))
            {
                Assert.Equal(InstanceLockRefusal.HeldElsewhere, rival.Refusal);
            }
            // The key names its owner (a random id) and lapses by itself if the owner dies.
            Assert.False((await db.StringGetAsync(LockKey)).IsNullOrEmpty);
            var ttl = await db.KeyTimeToLiveAsync(LockKey);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), RecommendationRefresher.LockExpiry);
        }

        Assert.False(await db.KeyExistsAsync(LockKey));
        await using var next = await _second.Services.GetRequiredService<IInstanceLock>()
            .TryAcquireAsync(RecommendationRefresher.LockResource, RecommendationRefresher.LockExpiry);
        Assert.True(next.Acquired);
    }

    internal static RecommendationRefresher Refresher(ShootAppFactory instance) => instance.Services.GetRequiredService<RecommendationRefresher>();

    internal static async Task<(ShootAppFactory, ShootAppFactory)> TwoInstancesAsync(SharedPostgres postgres, RedisServerFixture redis, ILoggerProvider? logs)
    {
        var settings = ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync());
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        Action<IServiceCollection>? testServices = logs is null ? null : services => services.AddSingleton(logs);
        return (new ShootAppFactory(settings) { TestServices = testServices }, new ShootAppFactory(settings));
    }
}

/// <summary>Redis stops: a round is skipped and logged, nothing throws, and rounds resume once it is back.</summary>
[Trait("Category", "Integration")]
public sealed class RecommendationRefreshRedisDownTests(SharedPostgres postgres, RedisServerFixture redis)
    : IClassFixture<SharedPostgres>, IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task With_redis_down_a_round_is_skipped_and_logged()
    {
        var logs = new LogCollector(typeof(RecommendationRefresher).FullName!);
        var (first, second) = await ScaledRecommendationRefreshTests.TwoInstancesAsync(postgres, redis, logs);
        await using var _ = first;
        await using var __ = second;
        // Started (the factory builds the host on first use) while Redis is up.
        var refresher = ScaledRecommendationRefreshTests.Refresher(first);

        await redis.KillAsync();
        try
        {
            Assert.Equal(new RefreshRound(RefreshOutcome.SkippedUnavailable, 0), await refresher.RefreshAsync());
            Assert.Contains(logs.Entries, e => e.Text.Contains("lock (Redis) is unavailable", StringComparison.Ordinal));
        }
        finally
        {
            await redis.StartAgainAsync();
        }

        await Eventually.HoldsAsync(async () => (await refresher.RefreshAsync()).Outcome == RefreshOutcome.Refreshed);
    }
}
