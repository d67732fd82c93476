using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>The Kafka adapter against librdkafka's mock cluster; each test has its own topics and consumer group.</summary>
[Trait("Category", "Integration")]
public sealed class KafkaPersistencePipelineTests : PersistencePipelineContract, IClassFixture<KafkaMockClusterFixture>
{
    private const int Partitions = 3;
    private readonly KafkaMockClusterFixture _kafka;
    private readonly string _topic = $"chat-messages-{Guid.NewGuid():N}";

    public KafkaPersistencePipelineTests(KafkaMockClusterFixture kafka)
    {
        _kafka = kafka;
        CreateTopics(kafka, _topic);
    }

    internal override Task<PipelineTestHost> StartHostAsync(RecordingObserver? observer = null, Action<IServiceCollection>? configure = null) =>
        PipelineTestHost.StartAsync(DataDirectory, KafkaSettings(_kafka, _topic), observer, configure);

    /// <summary>
    /// The mock cluster has no controller, so it cannot serve CreateTopics: the topics are made through the mock's own
    /// API first, and the pipeline's start sees them in the metadata and leaves them alone.
    /// </summary>
    internal static void CreateTopics(KafkaMockClusterFixture kafka, string topic)
    {
        kafka.CreateTopic(topic, Partitions);
        kafka.CreateTopic(topic + "-dlq", Partitions);
    }

    internal override async Task InjectRawAsync(PipelineTestHost host, long roomId, string payload)
    {
        using var producer = KafkaClients.Producer(_kafka.BootstrapServers);
        await producer.ProduceAsync(_topic, new Message<string, string> { Key = roomId.ToString(System.Globalization.CultureInfo.InvariantCulture), Value = payload });
    }

    internal override Task<IReadOnlyList<(string Payload, string Reason)>> DeadLettersAsync(PipelineTestHost host, int expected)
    {
        using var consumer = KafkaClients.Consumer(_kafka.BootstrapServers, $"dlq-reader-{Guid.NewGuid():N}");
        consumer.Subscribe(_topic + "-dlq");
        var records = KafkaClients.ConsumeCount(consumer, expected, Patience);
        // Anything beyond the expected count would be a second dead letter for one record: look briefly for it.
        records.AddRange(KafkaClients.ConsumeCount(consumer, 1, TimeSpan.FromSeconds(2)));
        consumer.Close();
        return Task.FromResult<IReadOnlyList<(string, string)>>(records
            .Select(r => (r.Message.Value, Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(KafkaPersistenceWorker.ReasonHeader))))
            .ToList());
    }

    [Fact]
    public async Task Replaying_the_topic_from_the_start_for_the_group_stores_nothing_twice()
    {
        var messages = TestMessages.Stream(60, rooms: 4, firstRoom: 40);
        await using (var first = await StartHostAsync())
        {
            foreach (var message in messages)
                await first.Pipeline.EnqueueAsync(message);
            Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await first.StoredIdsAsync()).Count == messages.Count, Patience));
        }

        // The group is empty now (its host stopped). Join it alone, so it hands this member every partition, and move
        // its committed offsets back to the start.
        using (var rewinder = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
               {
                   BootstrapServers = _kafka.BootstrapServers,
                   GroupId = KafkaSettings(_kafka, _topic)["Shoot:Kafka:ConsumerGroupId"],
                   EnableAutoCommit = false,
                   SessionTimeoutMs = 6000,
               }).Build())
        {
            rewinder.Subscribe(_topic);
            var deadline = DateTime.UtcNow + Patience;
            while (rewinder.Assignment.Count < Partitions && DateTime.UtcNow < deadline)
                rewinder.Consume(TimeSpan.FromMilliseconds(100));
            Assert.Equal(Partitions, rewinder.Assignment.Count);
            rewinder.Commit(rewinder.Assignment.Select(p => new TopicPartitionOffset(p, 0)));
            rewinder.Close();
        }

        await using var second = await StartHostAsync();
        Assert.True(await PipelineTestHost.EventuallyAsync(
            () => Task.FromResult(second.Observer.Count(PipelineEvent.Saved) >= messages.Count), Patience), "The replay was not consumed in time.");
        Assert.Equal(messages.Select(m => m.Id).Order(), (await second.StoredIdsAsync()).Order());
    }

    [Fact]
    public async Task Members_joining_and_leaving_the_group_mid_stream_store_every_message_once()
    {
        var messages = TestMessages.Stream(600, rooms: 12, firstRoom: 500);
        var second = await StartHostAsync();
        try
        {
            await using (var first = await StartHostAsync())
            {
                foreach (var message in messages.Take(200))
                    await first.Pipeline.EnqueueAsync(message);
                // A third member joins while records are flowing: the partitions are split again.
                await using var third = await StartHostAsync();
                foreach (var message in messages.Skip(200).Take(200))
                    await third.Pipeline.EnqueueAsync(message);
            }
            // Two of the three left; the one remaining gets every partition and the rest of the stream.
            foreach (var message in messages.Skip(400))
                await second.Pipeline.EnqueueAsync(message);

            Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await second.StoredIdsAsync()).Count >= messages.Count, Patience),
                "Not every message was stored after the rebalances.");
            var stored = await second.StoredIdsAsync();
            Assert.Equal(messages.Select(m => m.Id).Order(), stored.Order());
            Assert.Equal(0, second.Observer.Count(PipelineEvent.Failed));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    internal static Dictionary<string, string?> KafkaSettings(KafkaMockClusterFixture kafka, string topic) => new()
    {
        ["ConnectionStrings:Kafka"] = kafka.BootstrapServers,
        ["Shoot:Kafka:Topic"] = topic,
        ["Shoot:Kafka:DeadLetterTopic"] = topic + "-dlq",
        ["Shoot:Kafka:ConsumerGroupId"] = "group-" + topic,
        ["Shoot:Kafka:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Shoot:Kafka:ReplicationFactor"] = KafkaMockClusterFixture.BrokerCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // librdkafka's mock cluster makes a joining member wait out the session of the one that left: keep it short.
        ["Shoot:Kafka:SessionTimeout"] = "00:00:06",
        ["Shoot:Kafka:RetryCount"] = "2",
        ["Shoot:Kafka:RetryBackoff"] = "00:00:00.050",
    };
}
