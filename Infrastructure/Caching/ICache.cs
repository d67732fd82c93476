namespace Shoot.Infrastructure.Caching;

/// <summary>
/// A shared cache of derived data (values that can be recomputed from the database): in-process embedded, Redis when
/// configured, so every instance sees the same entries and the same invalidations.
/// Invalidation is by version keys rather than by deleting entries: a reader puts the current version(s) into the
/// entry's key, and bumping a version makes every entry built on the old one unreachable at once — no scan for the
/// affected keys, and no race in which a reader stores a value computed just before the change under the new state.
/// </summary>
public interface ICache
{
    /// <summary>The cached value, or null when absent or expired.</summary>
    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> for at most <paramref name="ttl"/>; entries may be dropped earlier under memory pressure.</summary>
    ValueTask SetAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>The current value of a version counter (0 when it was never bumped). Version counters do not expire.</summary>
    ValueTask<long> GetVersionAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Adds one to a version counter and returns the new value.</summary>
    ValueTask<long> BumpVersionAsync(string key, CancellationToken cancellationToken = default);
}
