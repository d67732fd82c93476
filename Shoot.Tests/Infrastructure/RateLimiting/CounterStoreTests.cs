using Shoot.Infrastructure.RateLimiting;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.RateLimiting;

/// <summary>The counter port behaves the same in-process and on a real Redis.</summary>
public abstract class CounterStoreSuite
{
    protected abstract ICounterStore Store { get; }

    private static string NewKey() => "k" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Increments_count_within_a_window_and_report_the_time_left()
    {
        var key = NewKey();
        var first = await Store.IncrementAsync(key, TimeSpan.FromMinutes(1));
        var second = await Store.IncrementAsync(key, TimeSpan.FromMinutes(1));
        Assert.Equal(1, first.Count);
        Assert.Equal(2, second.Count);
        Assert.InRange(second.TimeLeft, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_window_ends_and_counting_restarts()
    {
        var key = NewKey();
        await Store.IncrementAsync(key, TimeSpan.FromMilliseconds(50));
        await Store.IncrementAsync(key, TimeSpan.FromMilliseconds(50));
        await Task.Delay(200);
        Assert.Equal(1, (await Store.IncrementAsync(key, TimeSpan.FromMinutes(1))).Count);
    }

    [Fact]
    public async Task Set_ttl_and_delete()
    {
        var key = NewKey();
        Assert.Null(await Store.TimeToLiveAsync(key));
        await Store.SetAsync(key, TimeSpan.FromMinutes(5));
        Assert.InRange((await Store.TimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        await Store.DeleteAsync(key);
        Assert.Null(await Store.TimeToLiveAsync(key));
    }

    [Fact]
    public async Task Limits_count_in_order_and_stop_at_the_first_counter_over_its_limit()
    {
        var (perSecond, perMinute, room) = (NewKey(), NewKey(), NewKey());
        CounterLimit[] Limits(long first) =>
            [new(perSecond, TimeSpan.FromMinutes(1), first), new(perMinute, TimeSpan.FromMinutes(2), 3), new(room, TimeSpan.FromMinutes(1), 100)];

        Assert.Equal(LimitCheck.WithinLimits, await Store.IncrementWithinLimitsAsync(Limits(first: 100)));
        Assert.Equal(LimitCheck.WithinLimits, await Store.IncrementWithinLimitsAsync(Limits(first: 100)));
        // The first counter over its limit: the two after it are not counted.
        var refused = await Store.IncrementWithinLimitsAsync(Limits(first: 2));
        Assert.Equal((0, 3L), (refused.Exceeded, refused.State.Count));
        Assert.InRange(refused.State.TimeLeft, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Equal(3, (await Store.IncrementAsync(perMinute, TimeSpan.FromMinutes(2))).Count);
        Assert.Equal(3, (await Store.IncrementAsync(room, TimeSpan.FromMinutes(1))).Count);
        // The second over its limit (4 > 3), with its own window; the room's counter not counted.
        var second = await Store.IncrementWithinLimitsAsync(Limits(first: 100));
        Assert.Equal((1, 4L), (second.Exceeded, second.State.Count));
        Assert.InRange(second.State.TimeLeft, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));
        Assert.Equal(4, (await Store.IncrementAsync(room, TimeSpan.FromMinutes(1))).Count);
    }

    [Fact]
    public async Task Concurrent_increments_are_not_lost()
    {
        var key = NewKey();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Store.IncrementAsync(key, TimeSpan.FromMinutes(1)).AsTask()));
        Assert.Equal(201, (await Store.IncrementAsync(key, TimeSpan.FromMinutes(1))).Count);
    }
}

[Trait("Category", "Unit")]
public sealed class InMemoryCounterStoreTests : CounterStoreSuite
{
    protected override ICounterStore Store { get; } = new InMemoryCounterStore(TimeProvider.System);

    [Fact]
    public async Task Expired_keys_are_swept_once_the_table_is_past_its_threshold_and_live_ones_stay()
    {
        var clock = new ManualClock();
        var store = new InMemoryCounterStore(clock);
        await store.IncrementAsync("live", TimeSpan.FromMinutes(1));
        for (var i = 0; i < InMemoryCounterStore.SweepThreshold + 10; i++)
            await store.IncrementAsync($"short-{i}", TimeSpan.FromMilliseconds(500));
        Assert.Equal(InMemoryCounterStore.SweepThreshold + 11, store.Entries);

        clock.Advance(InMemoryCounterStore.SweepInterval + TimeSpan.FromSeconds(1));
        await store.IncrementAsync("new", TimeSpan.FromMinutes(1));

        Assert.Equal(2, store.Entries);
        Assert.Equal(2, (await store.IncrementAsync("live", TimeSpan.FromMinutes(1))).Count);
    }

    [Fact]
    public async Task Below_the_threshold_expired_keys_wait_and_still_restart_their_count()
    {
        var clock = new ManualClock();
        var store = new InMemoryCounterStore(clock);
        for (var i = 0; i < 100; i++)
            await store.IncrementAsync($"short-{i}", TimeSpan.FromMilliseconds(500));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, (await store.IncrementAsync("short-0", TimeSpan.FromMinutes(1))).Count);
        Assert.Equal(100, store.Entries);
    }
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisCounterStoreTests(RedisServerFixture redis) : CounterStoreSuite, IDisposable
{
    private readonly ConnectionMultiplexer _connection = ConnectionMultiplexer.Connect(redis.ConnectionString);

    protected override ICounterStore Store => new RedisCounterStore(_connection);

    public void Dispose() => _connection.Dispose();
}
