using System.Collections.Concurrent;

namespace Shoot.Infrastructure.Presence;

/// <summary>
/// Sets whose members expire one by one unless refreshed: presence ("sessions of user 7") and active users ("sessions
/// with room 42 open"). Members expire rather than live forever so that an instance that dies without cleaning up lets
/// its sessions vanish after one TTL. In-process embedded; Redis (one sorted set per key, score = expiry) when configured,
/// so every instance sees the same sets.
/// </summary>
public interface IExpiringSetStore
{
    /// <summary>
    /// Adds <paramref name="member"/> or extends its life to <paramref name="ttl"/> from now. True when it was already
    /// there and not yet expired: its life went on without a gap.
    /// </summary>
    ValueTask<bool> AddAsync(string key, string member, TimeSpan ttl, CancellationToken cancellationToken = default);

    ValueTask RemoveAsync(string key, string member, CancellationToken cancellationToken = default);

    /// <summary>The members not yet expired.</summary>
    ValueTask<IReadOnlyList<string>> MembersAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Which of <paramref name="candidates"/> are members not yet expired, in the order given: a question about a few
    /// members of a set that may be large, without reading the whole set.
    /// </summary>
    ValueTask<IReadOnlyList<string>> WhichAreMembersAsync(string key, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default);
}

/// <summary>Embedded sets: one dictionary of member → expiry per key; expired members are dropped when the set is read or written.</summary>
public sealed class InMemoryExpiringSetStore(TimeProvider clock) : IExpiringSetStore
{
    private readonly ConcurrentDictionary<string, Dictionary<string, DateTimeOffset>> _sets = new(StringComparer.Ordinal);

    public ValueTask<bool> AddAsync(string key, string member, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var set = _sets.GetOrAdd(key, _ => new(StringComparer.Ordinal));
            lock (set)
            {
                // A RemoveAsync may have dropped this set as empty meanwhile; writing to it would lose the member.
                if (!_sets.TryGetValue(key, out var current) || current != set) continue;
                var now = clock.GetUtcNow();
                var continued = set.TryGetValue(member, out var expiresAt) && expiresAt > now;
                set[member] = now + ttl;
                return ValueTask.FromResult(continued);
            }
        }
    }

    public ValueTask RemoveAsync(string key, string member, CancellationToken cancellationToken = default)
    {
        if (_sets.TryGetValue(key, out var set))
        {
            lock (set)
            {
                set.Remove(member);
                // Dropped under its own lock, so a racing AddAsync sees it is gone and starts a new set.
                if (set.Count == 0) _sets.TryRemove(KeyValuePair.Create(key, set));
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> MembersAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!_sets.TryGetValue(key, out var set))
            return ValueTask.FromResult<IReadOnlyList<string>>([]);
        var now = clock.GetUtcNow();
        lock (set)
        {
            foreach (var (member, expiresAt) in set)
            {
                if (expiresAt <= now) set.Remove(member);
            }
            return ValueTask.FromResult<IReadOnlyList<string>>(set.Keys.ToList());
        }
    }

    public ValueTask<IReadOnlyList<string>> WhichAreMembersAsync(string key, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default)
    {
        if (!_sets.TryGetValue(key, out var set))
            return ValueTask.FromResult<IReadOnlyList<string>>([]);
        var now = clock.GetUtcNow();
        lock (set)
            return ValueTask.FromResult<IReadOnlyList<string>>(candidates.Where(c => set.TryGetValue(c, out var expiresAt) && expiresAt > now).ToList());
    }
}
