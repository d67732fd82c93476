namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Where messages live: SQLite embedded (<c>{Shoot:DataDirectory}/messages.db</c>), MongoDB (collection <c>messages</c>)
/// when <c>ConnectionStrings:Mongo</c> is set. The persistence pipeline writes through <see cref="SaveBatchAsync"/>; history,
/// edits and deletes read and change single messages. Times are kept to the millisecond. A message id that is not
/// 24 lowercase hex characters names no message: lookups and changes by id answer null.
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
    /// Sets (or, with null, clears) the urlPreview of a message that is not deleted and whose text is still
    /// <paramref name="forText"/>, in one atomic step: a preview fetched for a text that was edited or deleted meanwhile
    /// is dropped, never stored over the newer state. updatedAt stays (the preview is the server's, not an edit).
    /// Returns the new state, or null when the message is absent, deleted or its text changed.
    /// </summary>
    Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default);

    /// <summary>
    /// Soft delete: text emptied, isDeleted set, urlPreview and reactions dropped, unpinned (so it no longer counts toward
    /// its room's pin limit), updatedAt set. Returns the new state, or null when absent.
    /// Deleting a deleted message changes nothing (not even updatedAt) and returns it as it is.
    /// </summary>
    Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds <paramref name="userId"/> to the holders of <paramref name="reaction"/> (a name such as <c>like</c>: lowercase
    /// letters, digits and <c>_</c>, else <see cref="ArgumentException"/>) on a message that is not deleted, in one atomic
    /// step: users reacting at once all end up in the list, each once. Holding it already changes nothing. updatedAt is
    /// left alone (it dates the content). Returns the new state, or null when absent or deleted.
    /// </summary>
    Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes <paramref name="userId"/> from the holders of <paramref name="reaction"/> atomically; a reaction left with
    /// nobody disappears from <see cref="StoredMessage.Reactions"/>. Not holding it changes nothing. Returns the new state,
    /// or null when absent or deleted.
    /// </summary>
    Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pins a message that is neither deleted nor pinned, by <paramref name="userId"/> at <paramref name="at"/>, unless its
    /// room holds <paramref name="maxPinnedPerRoom"/> pinned messages already. The check and the pin are one atomic step,
    /// whatever the number of writers and instances: a room never ends up with more. The outcome says what happened;
    /// a message pinned already is left as it is (<see cref="PinOutcome.AlreadyPinned"/>).
    /// </summary>
    Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default);

    /// <summary>Unpins (isPinned false, pinnedBy and pinnedAt null). Returns the new state, or null when absent; unpinning an unpinned message changes nothing.</summary>
    Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>The pinned messages of a room, most recently pinned first.</summary>
    Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many stored messages of a room a reader has not read: seq in (<paramref name="afterSeq"/>, <paramref name="upToSeq"/>]
    /// (0: no read position yet), not sent by <paramref name="excludeSenderId"/>, not deleted. The unread ledger asks this
    /// only for the part of a room's history older than what it tracks itself.
    /// </summary>
    Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default);

    /// <summary>Every message of a room is removed (the last participant left and the room is gone).</summary>
    Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default);
}

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

/// <summary>What <see cref="IMessageStore.PinAsync"/> did.</summary>
public enum PinOutcome
{
    /// <summary>Pinned now.</summary>
    Pinned,

    /// <summary>It was pinned already; nothing changed.</summary>
    AlreadyPinned,

    /// <summary>Its room holds the most pinned messages it may; nothing changed.</summary>
    LimitReached,

    /// <summary>A deleted message is not pinned.</summary>
    Deleted,

    /// <summary>No such message.</summary>
    NotFound,
}

/// <summary>The outcome of a pin, and the message as it is after it (null when <see cref="PinOutcome.NotFound"/>).</summary>
public sealed record PinResult(PinOutcome Outcome, StoredMessage? Message);
