using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Pipeline;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

public sealed class EmbeddedMessageExchangeTests
{
    [Fact]
    public async Task A_thousand_messages_from_both_sides_arrive_once_in_order_with_every_status()
    {
        await using var instance = new ShootAppFactory(MessageExchange.UnlimitedSending(), kestrel: true);
        await MessageExchange.RunAsync(instance, instance, perSide: 500);
    }
}

/// <summary>Two instances sharing PostgreSQL, Redis (bus, sequencer) and a Kafka-protocol broker (pipeline).</summary>
public sealed class ScaledOutMessageExchangeTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>
{
    [Fact]
    public async Task A_thousand_messages_from_both_sides_arrive_once_in_order_with_every_status_across_instances()
    {
        var settings = MessageExchange.UnlimitedSending();
        foreach (var (key, value) in ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync()))
            settings[key] = value;
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        var topic = "chat-" + Guid.NewGuid().ToString("N")[..8];
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        foreach (var (key, value) in KafkaPersistencePipelineTests.KafkaSettings(kafka, topic))
            settings[key] = value;
        // Both instances on one host share messages.db, so whichever consumes a record stores it where both read.
        settings["Shoot:DataDirectory"] = Directory.CreateTempSubdirectory("shoot-shared-").FullName;
        await using var first = new ShootAppFactory(settings, kestrel: true);
        await using var second = new ShootAppFactory(settings, kestrel: true);
        await MessageExchange.RunAsync(first, second, perSide: 500);
    }
}
