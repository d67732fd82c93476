using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;

namespace Shoot.Infrastructure.Caching;

/// <summary>
/// The embedded cache: one process, so a local dictionary is the whole truth. Entries are bounded by count (each has
/// size 1) and evicted least-recently-used beyond it; version counters are one long per key ever bumped and are never
/// evicted, since losing one could make an outdated entry current again.
/// </summary>
public sealed class InMemoryCache : ICache, IDisposable
{
    public const int MaxEntries = 50_000;

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_entries.TryGetValue(key, out string? value) ? value : null);

    public ValueTask SetAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        _entries.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = ttl });
        return ValueTask.CompletedTask;
    }

    public ValueTask<long> GetVersionAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_versions.GetValueOrDefault(key));

    public ValueTask<long> BumpVersionAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_versions.AddOrUpdate(key, 1, static (_, version) => version + 1));

    public void Dispose() => _entries.Dispose();
}
