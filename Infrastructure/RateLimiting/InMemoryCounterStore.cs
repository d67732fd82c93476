using System.Collections.Concurrent;

namespace Shoot.Infrastructure.RateLimiting;

/// <summary>
/// Embedded counters. Expired entries are restarted on access and swept when the table grows, so memory stays bounded by
/// live keys (and those expired within the last second).
/// </summary>
public sealed class InMemoryCounterStore(TimeProvider clock) : ICounterStore
{
    // A sweep scans the whole table, so it runs at most once a second, and only past the threshold. (It used to run on
    // every increment past the threshold: with more than 10,000 live keys, such as that many users sending within a
    // minute, every send scanned them all, three times. docs/performance.md, "Fifth profile".)
    internal const int SweepThreshold = 10_000;
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Entries held, live or not yet swept (tests).</summary>
    internal int Entries => _entries.Count;

    public ValueTask<CounterState> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var entry = _entries.AddOrUpdate(key,
            static (_, state) => new Entry(1, state.now + state.window),
            static (_, existing, state) => existing.ExpiresAt <= state.now
                ? new Entry(1, state.now + state.window)
                : existing with { Count = existing.Count + 1 },
            (now, window));
        SweepIfDue(now);
        return ValueTask.FromResult(new CounterState(entry.Count, entry.ExpiresAt - now));
    }

    public async ValueTask<LimitCheck> IncrementWithinLimitsAsync(IReadOnlyList<CounterLimit> counters, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < counters.Count; i++)
        {
            var state = await IncrementAsync(counters[i].Key, counters[i].Window, cancellationToken);
            if (state.Count > counters[i].Limit)
                return new LimitCheck(i, state);
        }
        return LimitCheck.WithinLimits;
    }

    public ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
            return ValueTask.FromResult<TimeSpan?>(entry.ExpiresAt - now);
        return ValueTask.FromResult<TimeSpan?>(null);
    }

    public ValueTask SetAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        _entries[key] = new Entry(1, clock.GetUtcNow() + ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _entries.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>Claims the next sweep (one caller per interval) and runs it if the table is past the threshold.</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Volatile.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, now.UtcTicks + SweepInterval.Ticks, due) != due)
            return;
        if (_entries.Count > SweepThreshold)
            Sweep(now);
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
                _entries.TryRemove(KeyValuePair.Create(key, entry));
        }
    }

    private sealed record Entry(long Count, DateTimeOffset ExpiresAt);
}
