using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

[Trait("Category", "Integration")]
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
[Trait("Category", "Integration")]
public sealed class ScaledOutMessageExchangeTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>
{
    [Fact]
    public async Task A_thousand_messages_from_both_sides_arrive_once_in_order_with_every_status_across_instances()
    {
        var settings = await MessageExchange.ScaledOutSettingsAsync(redis, postgres, kafka);
        await using var first = new ShootAppFactory(settings, kestrel: true);
        await using var second = new ShootAppFactory(settings, kestrel: true);
        await MessageExchange.RunAsync(first, second, perSide: 500);
    }
}
