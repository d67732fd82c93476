using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>Hands one bus event to every local subscriber; a failing subscriber is logged and cannot stop the others.</summary>
public sealed partial class BusDispatcher(IEnumerable<IBusSubscriber> subscribers, ILogger<BusDispatcher> logger)
{
    private readonly IBusSubscriber[] _subscribers = subscribers.ToArray();

    public void Dispatch(BusEvent busEvent)
    {
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber.OnEvent(busEvent);
            }
            catch (Exception e)
            {
                LogSubscriberFailed(logger, subscriber.GetType().Name, busEvent.Destination, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Bus subscriber {Subscriber} failed on {Destination}")]
    private static partial void LogSubscriberFailed(ILogger logger, string subscriber, string destination, Exception exception);
}
