namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The embedded bus: one instance, so publishing is dispatching. A lock gives events from concurrent publishers one
/// total order, the same order every subscriber sees (what the Redis stream gives across instances).
/// </summary>
public sealed class InProcessEventBus(BusDispatcher dispatcher) : IEventBus
{
    private readonly Lock _order = new();

    public ValueTask PublishAsync(BusEvent busEvent, CancellationToken cancellationToken = default)
    {
        Publish(busEvent);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishManyAsync(IReadOnlyList<BusEvent> busEvents, CancellationToken cancellationToken = default)
    {
        lock (_order)
        {
            foreach (var busEvent in busEvents)
                dispatcher.Dispatch(busEvent);
        }
        return ValueTask.CompletedTask;
    }

    internal void Publish(BusEvent busEvent)
    {
        lock (_order)
            dispatcher.Dispatch(busEvent);
    }

    /// <summary>Two events with nothing between them (a message and its SENDING), without a list to carry them.</summary>
    internal void PublishTogether(BusEvent first, BusEvent second)
    {
        lock (_order)
        {
            dispatcher.Dispatch(first);
            dispatcher.Dispatch(second);
        }
    }
}
