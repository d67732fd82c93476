using System.Collections.Concurrent;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// One shared instance per key of values that many sessions would otherwise each hold a copy of: the ids and
/// destinations clients subscribe with (every member of a room subscribes to the same destination, and clients use the
/// same few ids), a subscription id's encoded MESSAGE prefix, user ids. An idle session is mostly such copies and
/// connection state (docs/performance.md, "Eleventh profile").
/// <para>
/// Bounded: keys come from clients, so after <paramref name="capacity"/> entries, or for a key longer than
/// <paramref name="maxKeyLength"/>, a value is simply not shared (the caller keeps its own). Nothing is evicted; a key
/// that stops being used costs one entry until restart. Callers share only what has been accepted (an authorized
/// destination, an authenticated user), so junk cannot fill the entries meant for real rooms and users.
/// </para>
/// </summary>
internal sealed class SharedValues<TValue>(int capacity, int maxKeyLength) where TValue : class
{
    private readonly ConcurrentDictionary<string, TValue> _values = new(StringComparer.Ordinal);
    private int _count;

    public TValue GetOrAdd(string key, Func<string, TValue> create)
    {
        if (_values.TryGetValue(key, out var shared))
            return shared;
        var value = create(key);
        if (key.Length > maxKeyLength || Volatile.Read(ref _count) >= capacity)
            return value;
        if (_values.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }
        return _values.TryGetValue(key, out shared) ? shared : value;
    }

    /// <summary>Entries held (for tests).</summary>
    internal int Count => Volatile.Read(ref _count);
}

/// <summary>Shared strings: <see cref="SharedValues{TValue}"/> where the value is the key itself.</summary>
internal sealed class SharedStrings(int capacity, int maxLength)
{
    private static readonly Func<string, string> Itself = static value => value;
    private readonly SharedValues<string> _strings = new(capacity, maxLength);

    public string Intern(string value) => _strings.GetOrAdd(value, Itself);

    internal int Count => _strings.Count;
}
