using Shoot.Infrastructure.Presence;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Presence;

/// <summary>
/// Both adapters of <see cref="IExpiringSetStore"/> keep a member while it is refreshed and drop it one TTL after the
/// last refresh — what lets a dead instance's sessions lapse. The clock is moved by hand, so no test waits for time.
/// </summary>
public abstract class ExpiringSetStoreContract
{
    protected readonly ManualClock Clock = new();
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(45);

    protected abstract IExpiringSetStore Store { get; }

    [Fact]
    public async Task Members_live_while_refreshed_and_lapse_one_ttl_after_the_last_refresh()
    {
        var key = "set-" + Guid.NewGuid().ToString("N");
        await Store.AddAsync(key, "a", Ttl);
        await Store.AddAsync(key, "b", Ttl);
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Store.AddAsync(key, "a", Ttl);
        Assert.Equal(["a", "b"], (await Store.MembersAsync(key)).Order());

        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(["a"], await Store.MembersAsync(key));
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await Store.MembersAsync(key));
    }

    [Fact]
    public async Task Removed_members_are_gone_and_an_emptied_set_can_be_used_again()
    {
        var key = "set-" + Guid.NewGuid().ToString("N");
        await Store.AddAsync(key, "a", Ttl);
        await Store.RemoveAsync(key, "a");
        await Store.RemoveAsync(key, "never-added");
        Assert.Empty(await Store.MembersAsync(key));
        await Store.AddAsync(key, "b", Ttl);
        Assert.Equal(["b"], await Store.MembersAsync(key));
    }

    [Fact]
    public async Task Adding_says_whether_the_member_lived_on_without_a_gap()
    {
        var key = "set-" + Guid.NewGuid().ToString("N");
        Assert.False(await Store.AddAsync(key, "a", Ttl));
        Clock.Advance(TimeSpan.FromSeconds(40));
        Assert.True(await Store.AddAsync(key, "a", Ttl));
        Clock.Advance(TimeSpan.FromSeconds(46));
        Assert.False(await Store.AddAsync(key, "a", Ttl));
        Assert.True(await Store.AddAsync(key, "a", Ttl));
    }

    [Fact]
    public async Task Which_are_members_names_the_live_candidates_in_the_order_given()
    {
        var key = "set-" + Guid.NewGuid().ToString("N");
        Assert.Empty(await Store.WhichAreMembersAsync(key, ["a"]));
        await Store.AddAsync(key, "a", Ttl);
        await Store.AddAsync(key, "b", Ttl);
        await Store.AddAsync(key, "c", Ttl);
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Store.AddAsync(key, "c", Ttl);
        await Store.AddAsync(key, "a", Ttl);
        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(["c", "a"], await Store.WhichAreMembersAsync(key, ["c", "x", "b", "a"]));
        Assert.Empty(await Store.WhichAreMembersAsync(key, []));
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await Store.WhichAreMembersAsync(key, ["a", "b", "c"]));
    }
}

[Trait("Category", "Unit")]
public sealed class InMemoryExpiringSetStoreTests : ExpiringSetStoreContract
{
    public InMemoryExpiringSetStoreTests() => Store = new InMemoryExpiringSetStore(Clock);

    protected override IExpiringSetStore Store { get; }
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisExpiringSetStoreTests : ExpiringSetStoreContract, IDisposable
{
    private readonly ConnectionMultiplexer _redis;

    public RedisExpiringSetStoreTests(RedisServerFixture redis)
    {
        _redis = ConnectionMultiplexer.Connect(redis.ConnectionString);
        Store = new RedisExpiringSetStore(_redis, Clock);
    }

    protected override IExpiringSetStore Store { get; }

    public void Dispose() => _redis.Dispose();
}
