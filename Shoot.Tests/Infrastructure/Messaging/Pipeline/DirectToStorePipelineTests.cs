using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Security;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded way with the SQLite store (the default): messages go straight into the store in group commits, the
/// commit being the hand-over. The whole pipeline contract holds, plus what makes it this way.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DirectToStorePipelineTests : EmbeddedPipelineContract
{
    protected override bool StoreDirectly => true;

    [Fact]
    public async Task A_message_is_stored_when_its_enqueue_completes_and_before_anyone_hears_processing()
    {
        var notStoredAtProcessing = new ConcurrentBag<string>();
        IMessageStore store = null!;
        var storeChecker = new ProcessingProbe(async (messages, ct) =>
        {
            foreach (var message in messages)
            {
                if (await store.FindAsync(message.Id, ct) is null)
                    notStoredAtProcessing.Add(message.Id);
            }
        });
        await using var host = await StartHostAsync(configure: services => services.AddSingleton<IPersistenceObserver>(storeChecker));
        store = host.Store;
        var messages = TestMessages.Stream(200, rooms: 5, firstRoom: 300);

        await Task.WhenAll(messages.Select(async message =>
        {
            await host.Pipeline.EnqueueAsync(message);
            Assert.NotNull(await store.FindAsync(message.Id));
        }));

        Assert.True(host.Pipeline.StoresOnHandOver);
        Assert.Equal(messages.Count, storeChecker.Seen);
        Assert.Empty(notStoredAtProcessing);
        Assert.Equal(messages.Select(m => m.Id).Order(), (await host.StoredIdsAsync()).Order());
        Assert.Equal(0, await OutboxCountAsync());
    }

    [Fact]
    public async Task Through_the_hand_off_observers_hear_processing_then_saved_and_no_separate_hand_over()
    {
        await using var host = await StartHostAsync();
        var messages = TestMessages.Stream(60, rooms: 3, firstRoom: 400);

        foreach (var message in messages)
            host.HandOff.Start(message);

        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(host.Observer.Count(PipelineEvent.Saved) == messages.Count
            && host.HandOff.InFlight == 0), Patience), "The hand-offs did not finish in time.");
        var events = host.Observer.Events;
        Assert.Equal(0, host.Observer.Count(PipelineEvent.HandedOver));
        foreach (var message in messages)
        {
            var processing = events.ToList().FindIndex(e => e.Event == PipelineEvent.Processing && e.Message.Id == message.Id);
            var saved = events.ToList().FindIndex(e => e.Event == PipelineEvent.Saved && e.Message.Id == message.Id);
            Assert.True(processing >= 0 && saved > processing, $"{message.Id}: PROCESSING at {processing}, SAVED at {saved}.");
        }
    }

    [Fact]
    public async Task A_message_an_earlier_run_left_in_the_outbox_is_still_stored_and_reported()
    {
        await using var host = await StartHostAsync();
        var left = TestMessages.New(500, 1);

        await InjectRawAsync(host, left.RoomId, Encoding.UTF8.GetString(PipelineRecord.Encode(left, MessageTextCodec.Off)));

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => await host.Store.FindAsync(left.Id) is not null
            && host.Observer.Count(PipelineEvent.Saved) == 1 && await OutboxCountAsync() == 0, Patience),
            "The outbox worker did not drain the row left behind.");
    }

    [Fact]
    public async Task Messages_that_arrive_within_the_group_window_share_one_commit()
    {
        var groups = new ConcurrentQueue<int>();
        var probe = new ProcessingProbe((messages, _) =>
        {
            groups.Enqueue(messages.Count);
            return Task.CompletedTask;
        });
        // A long window, so the test does not depend on how quickly the loop below runs.
        await using var host = await PipelineTestHost.StartAsync(DataDirectory, new Dictionary<string, string?>
        {
            ["Shoot:Outbox:StoreDirectly"] = "true",
            ["Shoot:Outbox:GroupWindow"] = "00:00:00.500",
        }, configure: services => services.AddSingleton<IPersistenceObserver>(probe));
        var messages = TestMessages.Stream(20, rooms: 4, firstRoom: 700);

        // Each enqueue queues its message before it waits, so all 20 are waiting within the first one's window.
        await Task.WhenAll(messages.Select(message => host.Pipeline.EnqueueAsync(message)));

        Assert.Equal([20], groups);
        Assert.Equal(messages.Select(m => m.Id).Order(), (await host.StoredIdsAsync()).Order());
    }

    [Fact]
    public async Task A_group_window_longer_than_a_second_is_refused_at_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => PipelineTestHost.StartAsync(DataDirectory,
            new Dictionary<string, string?> { ["Shoot:Outbox:GroupWindow"] = "00:00:02" }));
        Assert.Contains("GroupWindow", error.Message);
    }

    /// <summary>An observer that runs a check whenever it hears PROCESSING.</summary>
    private sealed class ProcessingProbe(Func<IReadOnlyList<StoredMessage>, CancellationToken, Task> check) : IPersistenceObserver
    {
        private int _seen;

        public int Seen => Volatile.Read(ref _seen);

        public async ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
        {
            await check(messages, cancellationToken);
            Interlocked.Add(ref _seen, messages.Count);
        }

        public ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
