namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Where messages live: SQLite embedded, MongoDB when <c>ConnectionStrings:Mongo</c> is set. The persistence pipeline
/// writes through <see cref="SaveBatchAsync"/>; history, edits and deletes read and change single messages.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Inserts messages that are not stored yet. Idempotent by <see cref="StoredMessage.Id"/>: a message already stored
    /// (a redelivered pipeline record) is left exactly as it is, including any edit made since.
    /// </summary>
    Task SaveBatchAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken = default);

    Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>One page of a room's history (or of one thread), in the order <see cref="MessagePage"/> describes.</summary>
    Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default);

    /// <summary>The highest stored seq of a room, 0 when it has none.</summary>
    Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the text of a message that is not deleted; sets isEdited and updatedAt. Returns the new state, or null when absent or deleted.</summary>
    Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Soft delete: text emptied, isDeleted set, urlPreview dropped. Returns the new state, or null when absent.</summary>
    Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Every message of a room is removed (the last participant left and the room is gone).</summary>
    Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default);
}

/// <summary>
/// A history query. Exactly one ordering applies:
/// <list type="bullet">
/// <item><see cref="AfterSeq"/> set: seq &gt; AfterSeq, oldest first (resume and catch-up).</item>
/// <item>otherwise newest first, optionally only ids &lt; <see cref="BeforeId"/> and/or &gt; <see cref="AfterId"/>.</item>
/// </list>
/// <see cref="ThreadId"/> restricts to the replies of one thread (messages whose threadId is that id).
/// </summary>
public sealed record MessagePage(long RoomId, int Limit, string? BeforeId = null, string? AfterId = null, long? AfterSeq = null, string? ThreadId = null);
