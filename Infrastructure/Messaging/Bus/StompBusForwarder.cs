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
        if (busEvent.UserId is { } userId)
            broker.SendToUser(userId.ToString(CultureInfo.InvariantCulture), busEvent.Destination, Encoding.UTF8.GetBytes(busEvent.Payload));
        // A topic nobody here subscribes to is not encoded at all: with several instances every one reads every event,
        // and a room's statuses, say, usually matter only where its senders are connected.
        else if (broker.SubscribersOf(busEvent.Destination).Count > 0)
            broker.Publish(busEvent.Destination, StompEncodedMessage.Create(busEvent.Destination, Encoding.UTF8.GetBytes(busEvent.Payload), sequence: busEvent.Seq));
    }
}
