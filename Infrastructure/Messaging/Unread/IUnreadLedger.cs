namespace Shoot.Infrastructure.Messaging.Unread;

/// <summary>
/// Unread counts that are exact the moment a message is accepted, before it is stored.
/// <para>
/// A room's seqs are dense: every accepted message takes the next one, and each ends up stored, or gone (FAILED or
/// deleted). So a reader whose position is at seq <c>r</c> has
/// <c>unread = (lastSeq − r) − (their own messages after r) − (gone messages after r)</c>: the sequencer knows lastSeq
/// and records each sender's own seqs in the same atomic step that assigns them (see <c>IMessageSequencer</c>), and
/// <see cref="MarkGoneAsync"/> records the gone ones. Nothing here waits for the store, so a message that is still on its
/// way through Kafka is already counted, and a count never includes a message that ends up FAILED.
/// </para>
/// <para>
/// The ledger of a room starts at its <em>base</em> seq (the store's highest seq when the room was first used after a
/// start, or after Redis forgot a quiet room): a reader whose position is older than the base gets that part counted by
/// the store, which is exact there because those messages were all stored or gone by then.
/// </para>
/// <para>
/// Each user's counts over all their rooms are kept together, with their total, so the SSE <c>unread</c> event's
/// <c>totalUnread</c> costs nothing per message. A user's totals are held once primed with <see cref="RefreshUserAsync"/>
/// (the list of all their rooms); until then <see cref="UnreadCount.Total"/> is null.
/// </para>
/// </summary>
public interface IUnreadLedger
{
    /// <summary>
    /// Recounts the given readers of one room from their positions and keeps the counts. Within one membership
    /// (<see cref="ReaderSeq.MemberId"/>) the position counted is the highest of the one given and the one the ledger
    /// last saw (positions only move forward, and a caller's read of them may be stale); a newer membership starts from
    /// the position given. A reader given with an older membership than the ledger's, or with the membership they left
    /// (<see cref="ForgetAsync"/>), is skipped and missing from the answer: that caller read the participants before a
    /// leave or a rejoin.
    /// </summary>
    Task<IReadOnlyList<UnreadCount>> RefreshRoomAsync(long roomId, IReadOnlyList<ReaderSeq> readers, CancellationToken cancellationToken = default);

    /// <summary>Recounts every room of a user (the complete list) and holds their totals from now on.</summary>
    Task<IReadOnlyList<UnreadCount>> RefreshUserAsync(long userId, IReadOnlyList<RoomReadSeq> rooms, CancellationToken cancellationToken = default);

    /// <summary>A message will never be unread again: it FAILED, or it was deleted. Idempotent.</summary>
    Task MarkGoneAsync(long roomId, long seq, long senderId, CancellationToken cancellationToken = default);

    /// <summary>The user left the room: it no longer counts. Returns their new total, null when their totals are not held.</summary>
    Task<long?> ForgetAsync(long userId, long roomId, CancellationToken cancellationToken = default);
}

/// <summary>
/// A reader's position in a room as a seq (0: nothing read yet), and which membership it belongs to
/// (<c>room_participants.id</c>: a user who leaves and is added again is a new, higher one).
/// </summary>
public readonly record struct ReaderSeq(long UserId, long ReadSeq, long MemberId);

/// <summary>One of a user's rooms with their position in it as a seq, and their membership (see <see cref="ReaderSeq"/>).</summary>
public readonly record struct RoomReadSeq(long RoomId, long ReadSeq, long MemberId);

/// <summary>A reader's unread count in a room, and their total over all their rooms when held.</summary>
public sealed record UnreadCount(long UserId, long RoomId, long Count, long? Total);

/// <summary>The arithmetic both ledgers share.</summary>
public static class UnreadArithmetic
{
    /// <summary>
    /// Unread messages after <paramref name="readSeq"/>: the store's count below the base (<paramref name="storedBelowBase"/>,
    /// only asked for when the position is older than the base), then every seq the ledger tracks minus the reader's own
    /// and the gone ones after the point it starts from (<see cref="From"/>).
    /// </summary>
    public static long Count(long lastSeq, long from, long storedBelowBase, long ownAfter, long goneAfter) =>
        Math.Max(0, storedBelowBase + (lastSeq - from) - ownAfter - goneAfter);

    /// <summary>Where the ledger's own counting starts for a reader: their position, or the base when that is older.</summary>
    public static long From(long readSeq, long baseSeq) => Math.Max(readSeq, baseSeq);
}
