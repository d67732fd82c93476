using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Tests.Fixtures;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>Every instance reads every bus event, in one order, and a reader that lost Redis for a while resumes without a gap.</summary>
[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisBusTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly List<BusInstance> _instances = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
            await instance.DisposeAsync();
    }

    private async Task<BusInstance> StartInstanceAsync()
    {
        var instance = await BusInstance.StartAsync(redis.ConnectionString);
        _instances.Add(instance);
        return instance;
    }

    [Fact]
    public async Task Every_instance_receives_every_event_in_publication_order()
    {
        var a = await StartInstanceAsync();
        var b = await StartInstanceAsync();
        var c = await StartInstanceAsync();
        var tag = Guid.NewGuid().ToString("N");
        // Publishers on two instances at once; the stream gives all readers the same total order.
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 300; i++) await a.Bus.PublishAsync(new BusEvent($"/topic/{tag}", $"a{i}")); }),
            Task.Run(async () => { for (var i = 0; i < 300; i++) await b.Bus.PublishAsync(new BusEvent($"/topic/{tag}", $"b{i}", UserId: 7)); }));

        var seen = new[] { a, b, c }.Select(i => i.WaitFor(tag, 600)).ToList();
        foreach (var events in await Task.WhenAll(seen))
        {
            Assert.Equal(600, events.Count);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"a{i}"), events.Where(e => e.Payload[0] == 'a').Select(e => e.Payload));
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"b{i}"), events.Where(e => e.Payload[0] == 'b').Select(e => e.Payload));
            Assert.All(events.Where(e => e.Payload[0] == 'b'), e => Assert.Equal(7, e.UserId));
            Assert.All(events.Where(e => e.Payload[0] == 'a'), e => Assert.Null(e.UserId));
        }
        var orders = (await Task.WhenAll(seen)).Select(events => string.Join(",", events.Select(e => e.Payload))).Distinct();
        Assert.Single(orders);
    }

    [Fact]
    public async Task A_new_instance_starts_at_the_end_of_the_stream()
    {
        var a = await StartInstanceAsync();
        var tag = Guid.NewGuid().ToString("N");
        await a.Bus.PublishAsync(new BusEvent($"/topic/{tag}", "before"));
        await a.WaitFor(tag, 1);
        var late = await StartInstanceAsync();
        await a.Bus.PublishAsync(new BusEvent($"/topic/{tag}", "after"));
        var events = await late.WaitFor(tag, 1);
        Assert.Equal(["after"], events.Select(e => e.Payload));
    }

    [Fact]
    public async Task Events_published_while_a_reader_is_stopped_are_read_after_it_resumes()
    {
        var a = await StartInstanceAsync();
        var b = await StartInstanceAsync();
        var tag = Guid.NewGuid().ToString("N");
        await a.Bus.PublishAsync(new BusEvent($"/topic/{tag}", "0"));
        await b.WaitFor(tag, 1);
        // Stop b's reader; publish while it is away; restart it from the id it had reached.
        await b.Reader.StopAsync(CancellationToken.None);
        for (var i = 1; i <= 50; i++)
            await a.Bus.PublishAsync(new BusEvent($"/topic/{tag}", i.ToString()));
        var resumed = await BusInstance.StartAsync(redis.ConnectionString, resumeFrom: b.Reader.LastId);
        _instances.Add(resumed);
        var events = await resumed.WaitFor(tag, 50);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i.ToString()), events.Select(e => e.Payload));
    }

    /// <summary>One simulated Shoot instance: its own connection, bus, reader and a recording subscriber.</summary>
    private sealed class BusInstance : IAsyncDisposable, IBusSubscriber
    {
        private readonly ConcurrentQueue<BusEvent> _events = new();
        private ConnectionMultiplexer _connection = null!;

        public RedisEventBus Bus { get; private set; } = null!;
        public RedisBusReader Reader { get; private set; } = null!;

        public static async Task<BusInstance> StartAsync(string connectionString, string? resumeFrom = null)
        {
            var instance = new BusInstance { _connection = await ConnectionMultiplexer.ConnectAsync(connectionString) };
            instance.Bus = new RedisEventBus(instance._connection);
            var dispatcher = new BusDispatcher([instance], NullLogger<BusDispatcher>.Instance);
            instance.Reader = new RedisBusReader(instance._connection, dispatcher, NullLogger<RedisBusReader>.Instance);
            if (resumeFrom is not null)
                instance.Reader.StartAfter(resumeFrom);
            await instance.Reader.StartAsync(CancellationToken.None);
            return instance;
        }

        public void OnEvent(BusEvent busEvent) => _events.Enqueue(busEvent);

        public async Task<List<BusEvent>> WaitFor(string tag, int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                var matching = _events.Where(e => e.Destination == $"/topic/{tag}").ToList();
                if (matching.Count >= count || timeout.IsCancellationRequested)
                    return matching;
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Reader.StopAsync(CancellationToken.None);
            Reader.Dispose();
            await _connection.DisposeAsync();
        }
    }
}
