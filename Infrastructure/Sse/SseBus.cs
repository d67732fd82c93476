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

    public ValueTask PublishAsync<T>(string streamKey, string eventName, T data, CancellationToken ct = default)
    {
        var sseEvent = new SseEvent(Guid.CreateVersion7().ToString("N"), eventName, JsonSerializer.Serialize(data, ShootJson.Options));
        return bus.PublishAsync(new BusEvent(DestinationPrefix + streamKey, JsonSerializer.Serialize(sseEvent, ShootJson.Options)), ct);
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
