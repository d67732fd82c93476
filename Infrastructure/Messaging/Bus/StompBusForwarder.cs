using System.Globalization;
using System.Text;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Delivers bus events to this instance's STOMP subscribers: topics to every subscriber of the destination, user
/// events to that user's sessions here. Each instance does the same with the same events, so a client sees the same
/// stream whichever instance it is connected to.
/// </summary>
public sealed class StompBusForwarder(IStompBroker broker) : IBusSubscriber
{
    public void OnEvent(BusEvent busEvent)
    {
        if (!busEvent.Destination.StartsWith('/'))
            return;
        var body = Encoding.UTF8.GetBytes(busEvent.Payload);
        if (busEvent.UserId is { } userId)
            broker.SendToUser(userId.ToString(CultureInfo.InvariantCulture), busEvent.Destination, body);
        else if (broker.SubscribersOf(busEvent.Destination).Count > 0)
            broker.Publish(busEvent.Destination, StompEncodedMessage.Create(busEvent.Destination, body, sequence: busEvent.Seq));
    }
}
