using Shoot.Infrastructure.Messaging.Reads;
using Shoot.Tests.Fixtures;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Messaging.Reads;

/// <summary>The read-move window on both implementations: one opener per window, the span of every move, nothing lost between windows.</summary>
public abstract class ReadSpanWindowSuite
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
    private static long _rooms = Random.Shared.NextInt64(1_000_000, 1_000_000_000);

    protected abstract IReadSpanWindow Create();

    private static long NewRoom() => Interlocked.Increment(ref _rooms);

    [Fact]
    public async Task The_first_move_opens_the_window_and_the_span_covers_every_move()
    {
        var (first, second) = (Create(), Create());
        var room = NewRoom();

        Assert.True(await first.AddAsync(room, "6b071ea5efdcf4691a7309a2", "6b071ea5efdcf4691a7309a5", Window));
        Assert.False(await second.AddAsync(room, "6b071ea5efdcf4691a7309a1", "6b071ea5efdcf4691a7309a3", Window));
        Assert.False(await first.AddAsync(room, "6b071ea5efdcf4691a7309a4", "6b071ea5efdcf4691a7309a9", Window));

        Assert.Equal(new ReadSpan("6b071ea5efdcf4691a7309a1", "6b071ea5efdcf4691a7309a9"), await first.TakeAsync(room));
        Assert.Null(await second.TakeAsync(room));
    }

    [Fact]
    public async Task A_first_read_spans_from_the_rooms_start_and_a_taken_window_opens_again()
    {
        var window = Create();
        var room = NewRoom();
        await window.AddAsync(room, "6b071ea5efdcf4691a7309a2", "6b071ea5efdcf4691a7309a5", Window);
        await window.AddAsync(room, null, "6b071ea5efdcf4691a7309a3", Window);
        Assert.Equal(new ReadSpan(null, "6b071ea5efdcf4691a7309a5"), await window.TakeAsync(room));

        Assert.True(await window.AddAsync(room, "6b071ea5efdcf4691a7309a5", "6b071ea5efdcf4691a7309a6", Window));
        Assert.Equal(new ReadSpan("6b071ea5efdcf4691a7309a5", "6b071ea5efdcf4691a7309a6"), await window.TakeAsync(room));
    }

    [Fact]
    public async Task Concurrent_moves_have_exactly_one_opener_per_window_and_none_is_lost()
    {
        var window = Create();
        var room = NewRoom();
        var ids = Enumerable.Range(0, 200).Select(i => $"6b071ea5efdcf4691a73{i:x4}").ToList();
        var openers = 0;
        var spans = new System.Collections.Concurrent.ConcurrentBag<ReadSpan>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; i < ids.Count; i += 4)
            {
                if (await window.AddAsync(room, null, ids[i], Window))
                    Interlocked.Increment(ref openers);
                // Now and then a flush takes the window mid-stream, as the opener's timer would.
                if (i % 25 == 0 && await window.TakeAsync(room) is { } span)
                    spans.Add(span);
            }
        })));
        if (await window.TakeAsync(room) is { } last)
            spans.Add(last);

        // Every window opened was taken once, and the newest id reached a span.
        Assert.Equal(openers, spans.Count);
        Assert.Contains(spans, s => s.UpTo == ids[^1]);
    }
}

[Trait("Category", "Unit")]
public sealed class InProcessReadSpanWindowTests : ReadSpanWindowSuite
{
    private readonly InProcessReadSpanWindow _shared = new();

    protected override IReadSpanWindow Create() => _shared;
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisReadSpanWindowTests(RedisServerFixture redis) : ReadSpanWindowSuite, IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    // Two instances are two adapters over one Redis.
    protected override IReadSpanWindow Create() => new RedisReadSpanWindow(_connection);
}
