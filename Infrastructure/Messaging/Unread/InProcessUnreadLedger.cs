using System.Collections.Concurrent;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Infrastructure.Messaging.Unread;

/// <summary>
/// The embedded ledger: the rooms' side lives in <see cref="InProcessMessageSequencer"/> (its per-room lock records
/// own seqs with the accept), the users' side here. Locks are always taken room first, then user.
/// </summary>
public sealed class InProcessUnreadLedger(InProcessMessageSequencer sequencer, IMessageStore store) : IUnreadLedger
{
    private readonly ConcurrentDictionary<long, UserCounts> _users = new();

    public async Task<IReadOnlyList<UnreadCount>> RefreshRoomAsync(long roomId, IReadOnlyList<ReaderSeq> readers, CancellationToken cancellationToken = default)
    {
        var room = await sequencer.RoomAsync(roomId, cancellationToken);
        var counts = new List<UnreadCount>(readers.Count);
        foreach (var reader in readers)
        {
            var user = User(reader.UserId);
            if (await CountAsync(reader.UserId, user, roomId, room, reader.ReadSeq, reader.MemberId, cancellationToken) is { } count)
            {
                lock (user.Gate)
                    counts.Add(new UnreadCount(reader.UserId, roomId, count, user.Primed ? user.Total : null));
            }
        }
        return counts;
    }

    public async Task<IReadOnlyList<UnreadCount>> RefreshUserAsync(long userId, IReadOnlyList<RoomReadSeq> rooms, CancellationToken cancellationToken = default)
    {
        var user = User(userId);
        var counts = new Dictionary<long, long>(rooms.Count);
        foreach (var position in rooms)
        {
            var room = await sequencer.RoomAsync(position.RoomId, cancellationToken);
            // The list comes from the participants table, so these are the current memberships: never stale.
            if (await CountAsync(userId, user, position.RoomId, room, position.ReadSeq, position.MemberId, cancellationToken) is { } count)
                counts[position.RoomId] = count;
        }
        lock (user.Gate)
        {
            foreach (var roomId in user.Rooms.Keys.Where(id => !counts.ContainsKey(id)).ToList())
                user.Rooms.Remove(roomId);
            // Rooms counted meanwhile by a delivery keep their newer count; the total is the sum of what is held.
            user.Total = user.Rooms.Values.Sum(r => r.Count);
            user.Primed = true;
            return counts.Keys.Select(roomId => new UnreadCount(userId, roomId, user.Rooms[roomId].Count, user.Total)).ToList();
        }
    }

    public async Task MarkGoneAsync(long roomId, long seq, long senderId, CancellationToken cancellationToken = default)
    {
        var room = await sequencer.RoomAsync(roomId, cancellationToken);
        lock (room.Gate)
        {
            if (seq <= room.Base)
            {
                room.BelowVersion++; // the store counts that part, so what readers were told of it is stale
                return;
            }
            if (room.Own.TryGetValue(senderId, out var own))
                own.Remove(seq);
            room.Gone.Add(seq);
        }
    }

    public Task<long?> ForgetAsync(long userId, long roomId, CancellationToken cancellationToken = default)
    {
        var user = User(userId);
        lock (user.Gate)
        {
            var left = user.Rooms.Remove(roomId, out var held) ? held.MemberId : 0;
            user.Left[roomId] = Math.Max(left, user.Left.GetValueOrDefault(roomId));
            if (held is not null)
                user.Total -= held.Count;
            return Task.FromResult(user.Primed ? user.Total : (long?)null);
        }
    }

    private UserCounts User(long userId) => _users.GetOrAdd(userId, _ => new UserCounts());

    /// <summary>One reader's count in one room, kept in their counts; null when the membership given is stale (see the interface).</summary>
    private async Task<long?> CountAsync(long userId, UserCounts user, long roomId, InProcessMessageSequencer.RoomState room, long givenReadSeq,
        long memberId, CancellationToken cancellationToken)
    {
        while (true)
        {
            long readSeq;
            lock (user.Gate)
            {
                if (IsStale(user, roomId, memberId))
                    return null;
                readSeq = PositionOf(user, roomId, givenReadSeq, memberId);
            }
            BelowKey below;
            lock (room.Gate)
                below = new BelowKey(readSeq, room.Base, room.BelowVersion);
            long? storedBelowBase = null;
            lock (user.Gate)
            {
                if (user.Rooms.TryGetValue(roomId, out var held) && held.MemberId == memberId && held.Below == below)
                    storedBelowBase = held.StoredBelowBase;
            }
            if (readSeq < below.Base)
                storedBelowBase ??= await store.CountUnreadAsync(roomId, readSeq, below.Base, userId, cancellationToken);

            lock (room.Gate)
            lock (user.Gate)
            {
                if (IsStale(user, roomId, memberId))
                    return null;
                user.Left.Remove(roomId);
                var now = PositionOf(user, roomId, givenReadSeq, memberId);
                if (now < room.Base && below != new BelowKey(now, room.Base, room.BelowVersion))
                    continue; // a read, or a delete under the base, while the store counted: count again
                var from = UnreadArithmetic.From(now, room.Base);
                var own = 0;
                if (room.Own.TryGetValue(userId, out var ownSeqs))
                {
                    ownSeqs.RemoveUpTo(now); // behind the position for good: positions only move forward
                    own = ownSeqs.CountAbove(from);
                }
                var gone = room.Gone.CountAbove(from);
                var count = UnreadArithmetic.Count(room.Seq, from, now < room.Base ? storedBelowBase!.Value : 0, own, gone);
                var before = user.Rooms.TryGetValue(roomId, out var held) ? held.Count : 0;
                user.Rooms[roomId] = new Held(memberId, now, count, below, storedBelowBase ?? 0);
                user.Total += count - before;
                return count;
            }
        }
    }

    /// <summary>Within one membership positions only move forward; a newer membership starts from the position given.</summary>
    private static long PositionOf(UserCounts user, long roomId, long givenReadSeq, long memberId) =>
        user.Rooms.TryGetValue(roomId, out var held) && held.MemberId == memberId ? Math.Max(held.ReadSeq, givenReadSeq) : givenReadSeq;

    /// <summary>Read before a leave (the membership left, or an older one) or before a rejoin (older than the one held).</summary>
    private static bool IsStale(UserCounts user, long roomId, long memberId) =>
        (user.Left.TryGetValue(roomId, out var left) && memberId <= left)
        || (user.Rooms.TryGetValue(roomId, out var held) && memberId < held.MemberId);

    /// <summary>What a store count under the base was counted for: it holds while none of these change.</summary>
    private readonly record struct BelowKey(long ReadSeq, long Base, long Version);

    /// <summary>A reader's membership, position and count in a room, and the store's part of it under the base (when the position is older).</summary>
    private sealed record Held(long MemberId, long ReadSeq, long Count, BelowKey Below, long StoredBelowBase);

    private sealed class UserCounts
    {
        public readonly Lock Gate = new();

        /// <summary>Per room: the furthest position seen and the count from it.</summary>
        public readonly Dictionary<long, Held> Rooms = [];

        /// <summary>
        /// Rooms the user left, with the membership they left: a delivery counted from a participant list read just
        /// before they left must not bring the room back; a newer membership (added again) does.
        /// </summary>
        public readonly Dictionary<long, long> Left = [];

        public bool Primed;

        /// <summary>The sum of <see cref="Rooms"/>' counts; meaningful once <see cref="Primed"/>.</summary>
        public long Total;
    }
}
