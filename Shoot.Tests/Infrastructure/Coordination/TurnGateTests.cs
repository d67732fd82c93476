using Shoot.Infrastructure.Coordination;
using Shoot.Tests.Fixtures;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Coordination;

/// <summary>The turn gate on both implementations: one holder per key, and a request made during a turn gets a round.</summary>
public abstract class TurnGateSuite
{
    protected abstract ITurnGate Create();

    private static string NewKey() => "test:" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_taken_key_is_refused_and_its_holder_goes_again_once()
    {
        var (first, second) = (Create(), Create());
        var key = NewKey();

        Assert.True(await first.TryEnterAsync(key));
        Assert.False(await second.TryEnterAsync(key));
        Assert.False(await second.TryEnterAsync(key)); // two requests, one more round
        Assert.True(await first.LeaveAsync(key));
        Assert.False(await first.LeaveAsync(key));

        Assert.True(await second.TryEnterAsync(key));
        Assert.True(await first.TryEnterAsync("other-" + key));
        Assert.False(await second.LeaveAsync(key));
    }

    [Fact]
    public async Task Concurrent_callers_never_hold_one_key_together_and_every_request_gets_a_round_after_it()
    {
        var gate = Create();
        var key = NewKey();
        var inside = 0;
        var most = 0;
        long requests = 0, roundsAfterLastRequest = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                Interlocked.Increment(ref requests);
                if (!await gate.TryEnterAsync(key))
                    continue;
                do
                {
                    var now = Interlocked.Increment(ref inside);
                    InterlockedMax(ref most, now);
                    // A round sees every request made before it started.
                    Interlocked.Exchange(ref roundsAfterLastRequest, Interlocked.Read(ref requests));
                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                }
                while (await gate.LeaveAsync(key));
            }
        })));

        Assert.Equal(1, most);
        Assert.Equal(200, Interlocked.Read(ref requests));
        Assert.Equal(200, Interlocked.Read(ref roundsAfterLastRequest));
        Assert.True(await gate.TryEnterAsync(key)); // and the key is free at the end
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

[Trait("Category", "Unit")]
public sealed class InProcessTurnGateTests : TurnGateSuite
{
    private readonly InProcessTurnGate _gate = new();

    protected override ITurnGate Create() => _gate;
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisTurnGateTests(RedisServerFixture redis) : TurnGateSuite, IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    protected override ITurnGate Create() => new RedisTurnGate(_connection);
}
