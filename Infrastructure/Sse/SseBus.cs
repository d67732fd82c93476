using System.Text.Json;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Sse;

/// <summary>
/// Stream events travel on the bus like STOMP messages (destination <c>sse/{streamKey}</c>), so a client's stream on
/// any instance gets them, in one order, with one id.
/// </summary>
public sealed class SsePublisher(IEventBus bus)
{
    public const string DestinationPrefix = "sse/";

    public ValueTask PublishAsync<T>(string streamKey, string eventName, T data, CancellationToken ct = default) =>
        bus.PublishAsync(Event(streamKey, eventName, data), ct);

    /// <summary>Publishes a batch of stream events (see <see cref="Event"/>) in one step, in order.</summary>
    public ValueTask PublishManyAsync(IReadOnlyList<BusEvent> events, CancellationToken ct = default) => bus.PublishManyAsync(events, ct);

    /// <summary>One stream event as the bus carries it; its id is made here, once, so every instance shows the same.</summary>
    public static BusEvent Event<T>(string streamKey, string eventName, T data)
    {
        var sseEvent = new SseEvent(Guid.CreateVersion7().ToString("N"), eventName, JsonSerializer.Serialize(data, ShootJson.Options));
        return new BusEvent(DestinationPrefix + streamKey, JsonSerializer.Serialize(sseEvent, ShootJson.Options));
    }
}

/// <summary>Hands stream events from the bus to this instance's <see cref="SseHub"/>.</summary>
public sealed class SseBusSubscriber(SseHub hub) : IBusSubscriber
{
    public void OnEvent(BusEvent busEvent)
    {
        if (!busEvent.Destination.StartsWith(SsePublisher.DestinationPrefix, StringComparison.Ordinal))
            return;
        if (JsonSerializer.Deserialize<SseEvent>(busEvent.Payload, ShootJson.Options) is { } sseEvent)
            hub.Publish(busEvent.Destination[SsePublisher.DestinationPrefix.Length..], sseEvent);
    }
}
