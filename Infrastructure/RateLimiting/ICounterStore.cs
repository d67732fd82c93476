namespace Shoot.Infrastructure.RateLimiting;

/// <summary>
/// Expiring counters, the one primitive behind login lockout and every rate limit: in-process embedded, Redis when
/// configured (so a limit holds across instances).
/// </summary>
public interface ICounterStore
{
    /// <summary>
    /// Adds one to <paramref name="key"/>. The first increment starts a window of <paramref name="window"/>; the counter
    /// disappears when it ends (a fixed window). Returns the count and the time left in the window.
    /// </summary>
    ValueTask<CounterState> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="IncrementAsync"/> for each counter in order, stopping at the first whose count is then over its limit:
    /// the counters after it are not counted, as if each were checked on its own before the next. One step (one round
    /// trip in Redis) for a send's three limits. Returns the index of the counter over its limit and its state, or
    /// <see cref="LimitCheck.WithinLimits"/>.
    /// </summary>
    ValueTask<LimitCheck> IncrementWithinLimitsAsync(IReadOnlyList<CounterLimit> counters, CancellationToken cancellationToken = default);

    /// <summary>The time left before <paramref name="key"/> expires, or null when it does not exist.</summary>
    ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces <paramref name="key"/> so that it exists for <paramref name="ttl"/> (a lock, a marker).</summary>
    ValueTask SetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default);
}

public readonly record struct CounterState(long Count, TimeSpan TimeLeft);

/// <summary>A counter with a fixed window and the most it may count in one window.</summary>
public readonly record struct CounterLimit(string Key, TimeSpan Window, long Limit);

/// <summary>Which counter of a <see cref="ICounterStore.IncrementWithinLimitsAsync"/> went over its limit (-1: none), and its state.</summary>
public readonly record struct LimitCheck(int Exceeded, CounterState State)
{
    public static readonly LimitCheck WithinLimits = new(-1, default);
}
