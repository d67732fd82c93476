namespace Shoot.Infrastructure.Messaging;

/// <summary>
/// A short stretch of work that queues several frames for the same clients in one go — a stored batch's PROCESSING
/// (or SAVED) statuses, one read of the Redis bus — marked so that each session's writer sends what the stretch
/// queued in one socket write instead of one per frame. On loopback a `send` also runs the receiver's TCP input,
/// which made it a seventh of a small room's CPU (docs/performance.md, "Third profile"). A held writer holds everything for its session, so a burst must not span a wait on anything
/// slow (a store's write, a backend that may be down): begin it where the frames are queued, not around the whole
/// operation. Nor is it worth it where each session gets one frame: holding a big room's writers until the last
/// subscriber's frame is queued cost more (latency and CPU) than it saved; measured on a send's broadcast and SENDING
/// (docs/benchmarks.md, "Hot path, session 5").
/// </summary>
/// <remarks>
/// How: a session's writer runs inline in the queuing call when it is idle. If it finds itself there inside a burst,
/// it waits for the burst to end (resuming on the thread that ends it) and then drains everything queued meanwhile.
/// The burst is found through an <see cref="AsyncLocal{T}"/> (it follows the work across awaits) and handed to the
/// writer through a thread-static only for the duration of the queuing call, so no other work on the thread sees it.
/// Work started inside a burst and outliving it (a fire-and-forget hand-off) sees it ended and is not held.
/// </remarks>
public sealed class DeliveryBurst : IDisposable
{
    private static readonly AsyncLocal<DeliveryBurst?> Current = new();

    [ThreadStatic] private static DeliveryBurst? t_queuing;

    // Continuations run inline: the held writers write on the thread that ends the burst, as they would have in the
    // queuing call, without a thread-pool hop.
    private readonly TaskCompletionSource _ended = new();
    private readonly DeliveryBurst? _outer;

    private DeliveryBurst(DeliveryBurst? outer) => _outer = outer;

    /// <summary>Starts a burst for the calling flow; dispose it (in the same method) to release the held writes.</summary>
    public static DeliveryBurst Begin()
    {
        var burst = new DeliveryBurst(Current.Value);
        Current.Value = burst;
        return burst;
    }

    /// <summary>
    /// Runs a queuing call (a channel write that may run an idle writer inline) so the writer can tell it is inside the
    /// calling flow's burst (<see cref="HeldWriteOrNull"/>).
    /// </summary>
    public static bool Queue<TState>(Func<TState, bool> write, TState state)
    {
        var burst = Current.Value;
        if (burst is null || burst._ended.Task.IsCompleted)
            return write(state);
        var outer = t_queuing;
        t_queuing = burst;
        try
        {
            return write(state);
        }
        finally
        {
            t_queuing = outer;
        }
    }

    /// <summary>
    /// For a writer woken inline by <see cref="Queue{TState}"/>: completes when the burst it was woken in ends, or is
    /// null when it was not woken inside one (write at once).
    /// </summary>
    public static Task? HeldWriteOrNull() => t_queuing is { } burst && !burst._ended.Task.IsCompleted ? burst._ended.Task : null;

    public void Dispose()
    {
        if (Current.Value == this)
            Current.Value = _outer;
        _ended.TrySetResult();
    }
}
