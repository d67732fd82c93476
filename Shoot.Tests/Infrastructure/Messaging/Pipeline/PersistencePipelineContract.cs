using System.Text;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// What every pipeline adapter promises (docs/api.md §8): every accepted message is stored exactly once and reported
/// PROCESSING then SAVED; a redelivery changes nothing stored; a record that cannot be stored is dead-lettered and
/// reported FAILED without holding up the records behind it. Each adapter runs this suite against its real backend and
/// the real SQLite message store.
/// </summary>
public abstract class PersistencePipelineContract : IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = TempDirectory.CreateAsync("shoot-pipeline-").GetAwaiter().GetResult();

    protected string DataDirectory => _data.Path;

    /// <summary>Starts a host on this test's data directory (and, for Kafka, this test's topics and group).</summary>
    internal abstract Task<PipelineTestHost> StartHostAsync(RecordingObserver? observer = null, Action<IServiceCollection>? configure = null);

    /// <summary>Puts raw bytes where the worker reads records, keyed by room, bypassing EnqueueAsync.</summary>
    internal abstract Task InjectRawAsync(PipelineTestHost host, long roomId, string payload);

    /// <summary>The dead letters so far (waiting for at least <paramref name="expected"/>): the raw record and the reason given.</summary>
    internal abstract Task<IReadOnlyList<(string Payload, string Reason)>> DeadLettersAsync(PipelineTestHost host, int expected);

    [Fact]
    public async Task Every_enqueued_message_is_stored_once_and_reported_processing_then_saved()
    {
        await using var host = await StartHostAsync();
        var messages = TestMessages.Stream(300, rooms: 7);

        await Task.WhenAll(messages.Select(m => host.Pipeline.EnqueueAsync(m)));

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count >= messages.Count
            && host.Observer.Count(PipelineEvent.Saved) >= messages.Count, Patience), "Not every message was stored and reported in time.");
        var stored = await host.StoredIdsAsync();
        Assert.Equal(messages.Select(m => m.Id).Order(), stored.Order());
        var events = host.Observer.Events;
        foreach (var message in messages)
        {
            var processing = IndexOf(events, PipelineEvent.Processing, message.Id);
            var saved = IndexOf(events, PipelineEvent.Saved, message.Id);
            Assert.True(processing >= 0 && saved > processing, $"{message.Id}: PROCESSING at {processing}, SAVED at {saved}.");
        }
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
        var sample = messages[^1];
        // The record's whole content arrives, not just its id (compared as JSON: record equality would compare the collections by reference).
        Assert.Equal(AsJson(sample), AsJson((await host.Store.FindAsync(sample.Id))!));
    }

    [Fact]
    public async Task A_backend_down_under_an_observer_holds_the_batch_and_every_message_is_still_reported_saved()
    {
        // The sequencer's Redis (which carries the statuses) refuses the first three SAVED reports: the batch must be
        // delivered again, not finished with its SAVED lost (the client would never see its message SAVED).
        var refusals = 3;
        var observer = new RecordingObserver
        {
            BeforeSaved = (_, _) => Interlocked.Decrement(ref refusals) >= 0
                ? throw new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.UnableToConnect,
                    StackExchange.Redis.CommandFlags.None, "Redis is down (injected)", null, StackExchange.Redis.CommandStatus.Unknown)
                : Task.CompletedTask,
        };
        await using var host = await StartHostAsync(observer);
        var messages = TestMessages.Stream(30, rooms: 3);

        await Task.WhenAll(messages.Select(m => host.Pipeline.EnqueueAsync(m)));

        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(
            messages.All(m => host.Observer.Events.Any(e => e.Event == PipelineEvent.Saved && e.Message.Id == m.Id))), Patience),
            "A message stored while the observer's backend was down was never reported SAVED.");
        Assert.True(refusals < 0, "the injected outage never happened");
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
        Assert.Equal(messages.Select(m => m.Id).Order(), (await host.StoredIdsAsync()).Order());
    }

    [Fact]
    public async Task A_redelivered_record_changes_nothing_in_the_store()
    {
        await using var host = await StartHostAsync();
        var messages = TestMessages.Stream(40, rooms: 3, firstRoom: 20);
        foreach (var message in messages)
            await host.Pipeline.EnqueueAsync(message);
        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count == messages.Count, Patience));
        var edited = await host.Store.EditTextAsync(messages[0].Id, "edited after it was stored", DateTimeOffset.UtcNow);
        Assert.NotNull(edited);

        // The same records once more, as a producer retry or a replay from an old offset would deliver them.
        foreach (var message in messages)
            await host.Pipeline.EnqueueAsync(message);

        Assert.True(await PipelineTestHost.EventuallyAsync(
            () => Task.FromResult(host.Observer.Count(PipelineEvent.Saved) >= 2 * messages.Count), Patience), "The redelivery was not consumed in time.");
        var stored = await host.StoredIdsAsync();
        Assert.Equal(messages.Select(m => m.Id).Order(), stored.Order());
        Assert.Equal("edited after it was stored", (await host.Store.FindAsync(messages[0].Id))!.Text);
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
    }

    [Fact]
    public async Task A_poison_record_is_dead_lettered_and_reported_failed_without_blocking_the_records_behind_it()
    {
        await using var host = await StartHostAsync();
        const long room = 70;
        var before = Enumerable.Range(1, 5).Select(seq => TestMessages.New(room, seq)).ToList();
        var after = Enumerable.Range(6, 5).Select(seq => TestMessages.New(room, seq)).ToList();
        // Cut off mid-record: the fields a FAILED status needs come first and can be salvaged.
        const string poison = """{"id":"0123456789abcdef01234567","roomId":70,"senderId":5,"tempId":"t-poison","text":"never fini""";

        foreach (var message in before)
            await host.Pipeline.EnqueueAsync(message);
        await InjectRawAsync(host, room, poison);
        foreach (var message in after)
            await host.Pipeline.EnqueueAsync(message);

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count == 10
            && host.Observer.Count(PipelineEvent.Failed) == 1, Patience), "The records behind the poison were not stored, or it was not reported.");
        Assert.Equal(before.Concat(after).Select(m => m.Id).Order(), (await host.StoredIdsAsync()).Order());
        var failed = Assert.Single(host.Observer.Events, e => e.Event == PipelineEvent.Failed);
        Assert.Equal(("t-poison", room, 5L), (failed.Message.TempId, failed.Message.RoomId, failed.Message.SenderId));
        Assert.False(string.IsNullOrWhiteSpace(failed.Reason));
        var deadLetter = Assert.Single(await DeadLettersAsync(host, 1));
        Assert.Equal(poison, deadLetter.Payload);
        Assert.Contains("not a message", deadLetter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_the_store_refuses_is_dead_lettered_and_the_rest_of_its_batch_is_stored()
    {
        await using var host = await StartHostAsync();
        var first = TestMessages.New(90, 1);
        var sameSeq = TestMessages.New(90, 1, tempId: "t-conflict");
        var next = TestMessages.New(90, 2);

        await host.Pipeline.EnqueueAsync(first);
        await host.Pipeline.EnqueueAsync(sameSeq);
        await host.Pipeline.EnqueueAsync(next);

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count == 2
            && host.Observer.Count(PipelineEvent.Failed) == 1, Patience), "The refused message was not reported, or its neighbours were not stored.");
        Assert.Equal(new[] { first.Id, next.Id }.Order(), (await host.StoredIdsAsync()).Order());
        var failed = Assert.Single(host.Observer.Events, e => e.Event == PipelineEvent.Failed);
        Assert.Equal(sameSeq.Id, failed.Message.Id);
        var deadLetter = Assert.Single(await DeadLettersAsync(host, 1));
        Assert.Contains(sameSeq.Id, deadLetter.Payload, StringComparison.Ordinal);
        Assert.Contains("seq", deadLetter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_down_for_thirty_seconds_under_the_worker_dead_letters_nothing_and_everything_is_stored_after()
    {
        FaultyMessageStore faulty = null!;
        await using var host = await StartHostAsync(configure: services => services.AddSingleton<IMessageStore>(sp =>
            faulty = new FaultyMessageStore(sp.GetRequiredService<SqliteMessageStore>())));
        _ = host.Store;
        faulty.Down = true;
        var messages = TestMessages.Stream(120, rooms: 4, firstRoom: 130);
        // Not awaited one by one: where the store's write is the hand-over (the direct embedded way), an enqueue
        // completes only once its message is stored, so these wait out the outage.
        var enqueues = messages.Select(m => host.Pipeline.EnqueueAsync(m)).ToList();

        await Task.Delay(TimeSpan.FromSeconds(30));
        // The worker kept trying through the outage, well past its retry budget (RetryCount 2: three tries a round).
        Assert.True(faulty.Refused > 6, $"Only {faulty.Refused} writes were tried during the outage.");
        Assert.Empty(await host.StoredIdsAsync());
        faulty.Down = false;

        await Task.WhenAll(enqueues).WaitAsync(Patience);
        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count == messages.Count
            && host.Observer.Count(PipelineEvent.Saved) >= messages.Count, Patience), "Not everything was stored after the store came back.");
        Assert.Equal(messages.Select(m => m.Id).Order(), (await host.StoredIdsAsync()).Order());
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
        Assert.Empty(await DeadLettersAsync(host, 0));
    }

    public void Dispose()
    {
        _data.Dispose();
        GC.SuppressFinalize(this);
    }

    private static int IndexOf(IReadOnlyList<(PipelineEvent Event, StoredMessage Message, string? Reason)> events, PipelineEvent kind, string id)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Event == kind && events[i].Message.Id == id)
                return i;
        }
        return -1;
    }

    private static string AsJson(StoredMessage message) => Encoding.UTF8.GetString(PipelineRecord.Encode(message, MessageTextCodec.Off));
}
