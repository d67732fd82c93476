namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// One clock for every session's deadlines on this server — the CONNECT timeout, heart-beats both ways, the token's
/// expiry — instead of a timer per session. Each session asks to be looked at again at its own next deadline
/// (<see cref="StompSession.CheckDeadlines"/>); a queue ordered by that time hands the due ones to one loop, which wakes
/// every <see cref="TickMilliseconds"/> while there are sessions and stops when there are none. A per-session timer
/// cost a timer callback and an async resumption per session per second (15,000 idle connections: 15,000 wake-ups a
/// second, docs/performance.md); here an idle session costs one queue entry and one look per deadline.
/// </summary>
internal sealed class SessionWatchdog(Action<Exception, string> sessionFailed)
{
    /// <summary>The finest deadline the clock honours (sessions never ask for less than this).</summary>
    public const int TickMilliseconds = 10;

    private readonly PriorityQueue<StompSession, long> _due = new();
    private readonly Lock _gate = new();
    private bool _running;

    /// <summary>Looks at <paramref name="session"/> once <see cref="Environment.TickCount64"/> reaches <paramref name="dueAt"/>.</summary>
    public void Watch(StompSession session, long dueAt)
    {
        lock (_gate)
        {
            _due.Enqueue(session, dueAt);
            if (_running)
                return;
            _running = true;
        }
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        using var clock = new PeriodicTimer(TimeSpan.FromMilliseconds(TickMilliseconds));
        var ready = new List<StompSession>();
        while (await clock.WaitForNextTickAsync())
        {
            var now = Environment.TickCount64;
            lock (_gate)
            {
                if (_due.Count == 0)
                {
                    // Nobody left to watch: stop ticking (a test host or an idle instance costs nothing); Watch starts again.
                    _running = false;
                    return;
                }
                while (_due.TryPeek(out _, out var dueAt) && dueAt <= now)
                    ready.Add(_due.Dequeue());
            }
            foreach (var session in ready)
            {
                long? next;
                try
                {
                    next = session.CheckDeadlines(now);
                }
                catch (Exception e)
                {
                    // One session's failure must not stop the clock for the others; its deadlines are no longer watched.
                    sessionFailed(e, session.SessionId);
                    next = null;
                }
                if (next is { } dueAt)
                {
                    lock (_gate)
                        _due.Enqueue(session, dueAt);
                }
            }
            ready.Clear();
        }
    }
}
