using Confluent.Kafka;

namespace Shoot.Tests.Fixtures;

[Trait("Category", "Integration")]
public sealed class KafkaMockClusterFixtureTests(KafkaMockClusterFixture kafka) : IClassFixture<KafkaMockClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void Cluster_has_one_bootstrap_address_per_broker()
    {
        var addresses = kafka.BootstrapServers.Split(',');

        Assert.Equal(KafkaMockClusterFixture.BrokerCount, addresses.Length);
        Assert.All(addresses, address => Assert.Matches(@"^(127\.0\.0\.1|localhost):\d+$", address));
    }

    [Fact]
    public async Task Idempotent_acks_all_produce_is_consumed_by_a_group_that_commits()
    {
        kafka.CreateTopic("fixture-orders", partitions: 3);
        using var producer = KafkaClients.Producer(kafka.BootstrapServers);
        var sent = Enumerable.Range(0, 12).Select(i => $"message-{i}").ToList();
        foreach (var value in sent)
        {
            var result = await producer.ProduceAsync("fixture-orders", new Message<string, string> { Key = value, Value = value });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }

        using var consumer = KafkaClients.Consumer(kafka.BootstrapServers, "fixture-group");
        consumer.Subscribe("fixture-orders");
        var received = KafkaClients.ConsumeCount(consumer, sent.Count, Patience);
        consumer.Commit();

        Assert.Equal(sent.Order(), received.Select(r => r.Message.Value).Order());
        var committed = consumer.Committed(consumer.Assignment, TimeSpan.FromSeconds(10));
        Assert.Equal(sent.Count, committed.Sum(c => c.Offset.Value));
    }
}

/// <summary>Owns its cluster: it takes every broker down.</summary>
[Trait("Category", "Integration")]
public sealed class KafkaMockClusterFaultTests(KafkaMockClusterFixture kafka) : IClassFixture<KafkaMockClusterFixture>, IDisposable
{
    private const string Topic = "fixture-faults";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Produce_waits_while_all_brokers_are_down_and_delivers_once_they_are_up()
    {
        kafka.CreateTopic(Topic, partitions: 1);
        using var producer = KafkaClients.Producer(kafka.BootstrapServers);
        await producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = "before" });

        AllBrokersDown();
        var pending = producer.ProduceAsync(Topic, new Message<string, string> { Key = "k", Value = "during" });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(pending.IsCompleted, "A produce with every broker down must not complete.");
        AllBrokersUp();

        var delivered = await pending.WaitAsync(Patience);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        using var consumer = KafkaClients.Consumer(kafka.BootstrapServers, "fixture-fault-group");
        consumer.Subscribe(Topic);
        var values = KafkaClients.ConsumeCount(consumer, 2, Patience).Select(r => r.Message.Value);
        Assert.Equal(["before", "during"], values);
    }

    [Fact]
    public async Task Produce_times_out_when_the_brokers_stay_down()
    {
        kafka.CreateTopic(Topic + "-timeout", partitions: 1);
        using var producer = KafkaClients.Producer(kafka.BootstrapServers, messageTimeoutMs: 2000);
        await producer.ProduceAsync(Topic + "-timeout", new Message<string, string> { Key = "k", Value = "before" });

        AllBrokersDown();
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(Topic + "-timeout", new Message<string, string> { Key = "k", Value = "lost" }).WaitAsync(Patience));

        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);
    }

    public void Dispose() => AllBrokersUp();

    private void AllBrokersDown()
    {
        foreach (var id in kafka.BrokerIds)
        {
            kafka.BrokerDown(id);
        }
    }

    private void AllBrokersUp()
    {
        foreach (var id in kafka.BrokerIds)
        {
            kafka.BrokerUp(id);
        }
    }
}

internal static class KafkaClients
{
    public static IProducer<string, string> Producer(string bootstrapServers, int messageTimeoutMs = 120_000) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = messageTimeoutMs,
        }).SetLogHandler(IgnoreLog).Build();

    public static IConsumer<string, string> Consumer(string bootstrapServers, string groupId) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler(IgnoreLog).Build();

    // Connection-refused chatter while brokers are down is expected; failures surface as exceptions.
    private static void IgnoreLog<TClient>(TClient client, LogMessage message)
    {
    }

    public static List<ConsumeResult<string, string>> ConsumeCount(IConsumer<string, string> consumer, int count, TimeSpan patience)
    {
        var received = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + patience;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } result)
            {
                received.Add(result);
            }
        }

        return received;
    }
}
