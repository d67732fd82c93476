namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// An event every Shoot instance receives, in publication order: a STOMP destination and its JSON payload. With
/// <see cref="UserId"/> it goes to that user's sessions only (a user destination such as /queue/errors), wherever
/// they are connected. <see cref="Seq"/> is a room message's seq, which lets a resuming subscription drop live copies
/// of what it replayed.
/// </summary>
public sealed record BusEvent(string Destination, string Payload, long? UserId = null, long? Seq = null);

/// <summary>
/// Fan-out between instances: Redis Streams when <c>ConnectionStrings:Redis</c> is set (every instance reads the whole
/// stream — not a shared consumer group, where each event would reach only one instance), in-process otherwise.
/// </summary>
public interface IEventBus
{
    ValueTask PublishAsync(BusEvent busEvent, CancellationToken cancellationToken = default);

    /// <summary>Publishes several events in one step (one Redis round trip), in the order given, with nothing between them.</summary>
    ValueTask PublishManyAsync(IReadOnlyList<BusEvent> busEvents, CancellationToken cancellationToken = default);
}

/// <summary>Receives every bus event on this instance, in order. Implementations must be quick and must not throw.</summary>
public interface IBusSubscriber
{
    void OnEvent(BusEvent busEvent);
}
