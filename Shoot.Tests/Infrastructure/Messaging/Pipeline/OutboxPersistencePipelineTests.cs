using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded adapter as the MongoDB store uses it (and the SQLite store with <c>Shoot:Outbox:StoreDirectly</c> off):
/// the outbox table in a real messages.db, drained into the real SQLite store.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OutboxPersistencePipelineTests : EmbeddedPipelineContract
{
    protected override bool StoreDirectly => false;

    [Fact]
    public async Task A_worker_stopped_mid_stream_leaves_the_rest_in_the_outbox_and_a_restarted_one_drains_it()
    {
        var messages = TestMessages.Stream(500, rooms: 10, firstRoom: 100);
        var observer = new RecordingObserver();
        var firstBatchStored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Hold the worker inside its first batch, after the store's write and before the outbox rows are deleted,
        // until the host stops: the crash window the design must survive.
        observer.BeforeSaved = async (_, ct) =>
        {
            firstBatchStored.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        };
        await using (var first = await StartHostAsync(observer))
        {
            foreach (var message in messages)
                await first.Pipeline.EnqueueAsync(message);
            await firstBatchStored.Task.WaitAsync(Patience);
        }
        Assert.Equal(messages.Count, await OutboxCountAsync());

        await using var second = await StartHostAsync();

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => await OutboxCountAsync() == 0, Patience), "The restarted worker did not drain the outbox.");
        Assert.Equal(messages.Select(m => m.Id).Order(), (await second.StoredIdsAsync()).Order());
        // The held batch was stored but never deleted, so it is delivered again: every message is reported SAVED by the new worker.
        var saved = second.Observer.Events.Where(e => e.Event == PipelineEvent.Saved).Select(e => e.Message.Id).ToHashSet();
        Assert.Equal(messages.Select(m => m.Id).Order(), saved.Order());
    }

}
