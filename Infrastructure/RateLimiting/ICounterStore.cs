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

    /// <summary>The time left before <paramref name="key"/> expires, or null when it does not exist.</summary>
    ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces <paramref name="key"/> so that it exists for <paramref name="ttl"/> (a lock, a marker).</summary>
    ValueTask SetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default);
}

public readonly record struct CounterState(long Count, TimeSpan TimeLeft);
