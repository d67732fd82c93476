using System.Collections.Concurrent;

namespace Shoot.Features.Rooms;

/// <summary>
/// Who is known to be in which room, for the send path: a message costs a membership check, and on PostgreSQL that
/// was a network round trip per message (one SQLite query embedded). Only "is a participant" is kept — roles change
/// without any event, so nothing that needs the role reads from here.
/// <para>
/// Access ends with membership: every way out of a room (leave, removal, the room's deletion, account deletion) is
/// announced on the bus as <see cref="AccessRevocation"/>, and every instance's <see cref="AccessRevocationSubscriber"/>
/// calls <see cref="Forget"/>, which bumps the user's version so none of their entries counts any more. A check that
/// read the database before a removal but finishes after it was announced cannot put the old answer back: an entry is
/// only kept if the user's version did not move during the read. Entries also expire after <see cref="Lifetime"/>,
/// which bounds how long a lost bus event (a Redis outage) could leave a removed user able to send.
/// </para>
/// </summary>
public sealed class ParticipantCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    // Beyond this many entries the cache starts over rather than growing without bound (a sweep would cost more).
    private const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<long, long> _versions = new();
    private readonly ConcurrentDictionary<(long RoomId, long UserId), Entry> _entries = new();

    private readonly record struct Entry(long Version, long ExpiresAt);

    public bool IsKnownParticipant(long roomId, long userId) =>
        _entries.TryGetValue((roomId, userId), out var entry)
        && entry.Version == VersionOf(userId)
        && entry.ExpiresAt > clock.GetTimestamp();

    /// <summary>Read before the membership query; hand it to <see cref="Remember"/> with the answer.</summary>
    public long VersionOf(long userId) => _versions.GetValueOrDefault(userId);

    public void Remember(long roomId, long userId, long versionBeforeRead)
    {
        if (VersionOf(userId) != versionBeforeRead)
            return; // the user left a room (or was deleted) while the query ran: its answer may be stale
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        var expiresAt = clock.GetTimestamp() + (long)(Lifetime.TotalSeconds * clock.TimestampFrequency);
        _entries[(roomId, userId)] = new Entry(versionBeforeRead, expiresAt);
        // Forgotten between the check above and the write: the entry carries the old version, so it never counts.
    }

    /// <summary>The user left a room, was removed, or their account is gone: nothing known of them holds any more.</summary>
    public void Forget(long userId) => _versions.AddOrUpdate(userId, 1, (_, version) => version + 1);
}
