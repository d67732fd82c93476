namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Where messages live: SQLite embedded (<c>{Shoot:DataDirectory}/messages.db</c>), MongoDB (collection <c>messages</c>)
/// when <c>ConnectionStrings:Mongo</c> is set. The persistence pipeline writes through <see cref="SaveBatchAsync"/>; history,
/// edits and deletes read and change single messages. Times are kept to the millisecond. A message id that is not
/// 24 lowercase hex characters names no message: lookups and changes by id answer null.
/// <para>
/// Only what messages themselves need is here. The parts a single feature changes — pins, reactions, URL previews —
/// have their port and both adapters in that feature's folder (Features/Pin, React, UrlPreview), written against the
/// same table or collection through <see cref="SqliteMessageStore"/> and <see cref="MongoMessageStore"/>, so every
/// message read goes through one row or document mapping. Soft delete still clears them, as a delete takes the whole
/// message.
/// </para>
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Inserts messages that are not stored yet. Idempotent by <see cref="StoredMessage.Id"/>: a message already stored
    /// (a redelivered pipeline record) is left exactly as it is, including any edit made since. Safe to call concurrently
    /// with overlapping batches. A message whose (roomId, seq) is held by a different id is never stored nor dropped
    /// silently: the rest of the batch is stored, then <see cref="MessageSeqConflictException"/> names the refused ones.
    /// An id that is not a message id throws <see cref="ArgumentException"/> before anything is written.
    /// </summary>
    Task SaveBatchAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken = default);

    Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of a room's history (or of one thread), in the order <see cref="MessagePage"/> describes. Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a limit below 1 and <see cref="ArgumentException"/> for a cursor that is not a message id.
    /// </summary>
    Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default);

    /// <summary>
    /// The highest seq of a room the store holds or has been handed (SQLite: its outbox too), 0 when it has none: where
    /// a sequencer starts the room's counter.
    /// </summary>
    Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the text of a message that is not deleted; sets isEdited and updatedAt. Returns the new state, or null when absent or deleted.</summary>
    Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Soft delete: text emptied, isDeleted set, urlPreview and reactions dropped, unpinned (so it no longer counts toward
    /// its room's pin limit), updatedAt set. Returns the new state, or null when absent.
    /// Deleting a deleted message changes nothing (not even updatedAt) and returns it as it is.
    /// </summary>
    Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many stored messages of a room a reader has not read: seq in (<paramref name="afterSeq"/>, <paramref name="upToSeq"/>]
    /// (0: no read position yet), not sent by <paramref name="excludeSenderId"/>, not deleted. The unread ledger asks this
    /// only for the part of a room's history older than what it tracks itself.
    /// </summary>
    Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default);

    /// <summary>Every message of a room is removed (the last participant left and the room is gone).</summary>
    Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every stored message with a tempId created at or after <paramref name="since"/>, as its send, in no particular
    /// order: what the embedded sequencer reloads after a start to answer retries of sends stored before it (docs/api.md §8).
    /// </summary>
    IAsyncEnumerable<StoredSend> SendsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>A stored message as the send it came from: where, who and which tempId, and the seq it got.</summary>
public sealed record StoredSend(long RoomId, long SenderId, string TempId, long Seq);

/// <summary>
/// A history query: at most <see cref="Limit"/> messages of room <see cref="RoomId"/>. Exactly one ordering applies:
/// <list type="bullet">
/// <item><see cref="AfterSeq"/> set: seq &gt; AfterSeq, oldest first by seq (resume and catch-up).</item>
/// <item>otherwise newest first by id, optionally only ids &lt; <see cref="BeforeId"/> and/or &gt; <see cref="AfterId"/>
/// (with only AfterId, the newest messages after it, not the oldest).</item>
/// </list>
/// Every filter given applies, whichever the ordering. <see cref="ThreadId"/> restricts to the replies of one thread
/// (messages of the room whose threadId is that id; the thread's root message is not one of them).
/// </summary>
public sealed record MessagePage(long RoomId, int Limit, string? BeforeId = null, string? AfterId = null, long? AfterSeq = null, string? ThreadId = null);
