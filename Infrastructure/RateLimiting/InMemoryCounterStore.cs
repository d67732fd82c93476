using System.Collections.Concurrent;

namespace Shoot.Infrastructure.RateLimiting;

/// <summary>Embedded counters. Expired entries are dropped on access and swept when the table grows, so memory stays bounded by live keys.</summary>
public sealed class InMemoryCounterStore(TimeProvider clock) : ICounterStore
{
    private const int SweepThreshold = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ValueTask<CounterState> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var entry = _entries.AddOrUpdate(key,
            static (_, state) => new Entry(1, state.now + state.window),
            static (_, existing, state) => existing.ExpiresAt <= state.now
                ? new Entry(1, state.now + state.window)
                : existing with { Count = existing.Count + 1 },
            (now, window));
        if (_entries.Count > SweepThreshold)
            Sweep(now);
        return ValueTask.FromResult(new CounterState(entry.Count, entry.ExpiresAt - now));
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
