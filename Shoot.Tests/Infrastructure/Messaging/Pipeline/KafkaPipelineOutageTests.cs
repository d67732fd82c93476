using System.Collections.Concurrent;
using Shoot.Tests.Fixtures;
using Xunit.Abstractions;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>Owns its cluster: it takes every broker down in the middle of a stream.</summary>
[Trait("Category", "Integration")]
public sealed class KafkaPipelineOutageTests(KafkaMockClusterFixture kafka, ITestOutputHelper output)
    : IClassFixture<KafkaMockClusterFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _data = TempDirectory.CreateAsync("shoot-pipeline-outage-").GetAwaiter().GetResult();

    [Fact]
    public async Task Brokers_down_for_ten_seconds_mid_stream_lose_no_accepted_message_and_store_none_twice()
    {
        var topic = $"chat-messages-{Guid.NewGuid():N}";
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        await using var host = await PipelineTestHost.StartAsync(_data.Path, KafkaPersistencePipelineTests.KafkaSettings(kafka, topic));
        var messages = TestMessages.Stream(500, rooms: 9, firstRoom: 300);
        var accepted = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<(string Id, string Error)>();
        var outage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // 16 senders at a time; the brokers go down once 150 messages have been accepted, and come back 10 s later.
        using var senders = new SemaphoreSlim(16);
        var sends = messages.Select(async (message, i) =>
        {
            await senders.WaitAsync();
            try
            {
                if (i == 250)
                    await outage.Task.WaitAsync(Patience);
                await host.Pipeline.EnqueueAsync(message);
                accepted.Add(message.Id);
                // At least, not exactly: two senders adding at once can both see 151, and the outage would never start.
                if (accepted.Count >= 150 && outage.TrySetResult())
                    _ = Task.Run(TakeBrokersDownForTenSecondsAsync);
            }
            catch (Exception e) when (e is Confluent.Kafka.KafkaException)
            {
                refused.Add((message.Id, e.Message));
            }
            finally
            {
                senders.Release();
            }
        }).ToList();
        await Task.WhenAll(sends).WaitAsync(Patience);

        foreach (var (id, error) in refused)
            output.WriteLine($"EnqueueAsync threw for {id}: {error}");
        output.WriteLine($"{accepted.Count} accepted, {refused.Count} refused by EnqueueAsync");
        Assert.True(outage.Task.IsCompleted, "The outage never happened.");
        Assert.True(await PipelineTestHost.EventuallyAsync(
            async () => (await host.StoredIdsAsync()).Intersect(accepted).Count() == accepted.Count, Patience),
            "Not every accepted message was stored after the brokers came back.");
        var stored = await host.StoredIdsAsync();
        Assert.Empty(stored.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(accepted.Except(stored));
        // A refused message may still have been delivered (the acknowledgement, not the write, was lost); nothing else may appear.
        Assert.Empty(stored.Except(messages.Select(m => m.Id)));
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
    }

    private async Task TakeBrokersDownForTenSecondsAsync()
    {
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerDown(id);
        await Task.Delay(TimeSpan.FromSeconds(10));
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
    }

    public void Dispose()
    {
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        _data.Dispose();
    }
}
