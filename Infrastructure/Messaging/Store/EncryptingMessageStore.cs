using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Encryption at rest for whichever store is configured (SQLite or MongoDB): texts are sealed by
/// <see cref="MessageTextCodec"/> on the way in (saves, edits) and opened on the way out, bound to their message id.
/// Registered only when <c>Shoot:Encryption</c> has keys, so without them the store is used as before.
/// A text that cannot be decrypted (its key id was removed from the settings, or the stored value was changed) is
/// answered as <see cref="MessageTextCodec.UnreadablePlaceholder"/> and logged as a warning with the message and key
/// id: one unreadable message must not make a room's whole history fail.
/// </summary>
public sealed partial class EncryptingMessageStore(IMessageStore inner, MessageTextCodec codec, ILogger<EncryptingMessageStore> logger) : IMessageStore
{
    /// <summary>The store itself when encryption is off, else the store behind this decorator.</summary>
    public static IMessageStore Over(IMessageStore store, IServiceProvider services)
    {
        var codec = services.GetRequiredService<MessageTextCodec>();
        return codec.Enabled ? new EncryptingMessageStore(store, codec, services.GetRequiredService<ILogger<EncryptingMessageStore>>()) : store;
    }

    public async Task SaveBatchAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.SaveBatchAsync(messages.Select(Seal).ToList(), cancellationToken);
        }
        catch (MessageSeqConflictException e)
        {
            // The caller reports and dead-letters the refused messages: give it back its own (plain) copies, not the sealed ones.
            var refused = e.Refused.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
            throw new MessageSeqConflictException(messages.Where(m => refused.Contains(m.Id)).ToList());
        }
    }

    public async Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default) =>
        Open(await inner.FindAsync(messageId, cancellationToken));

    public async Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default) =>
        (await inner.PageAsync(page, cancellationToken)).Select(m => Open(m)!).ToList();

    public Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default) => inner.MaxSeqAsync(roomId, cancellationToken);

    public async Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Open(await inner.EditTextAsync(messageId, codec.Protect(text, messageId), at, cancellationToken));

    /// <remarks>
    /// The stores compare texts in the query, and a sealed text never equals another sealing of the same text (fresh
    /// nonce). So the stored value is read and opened here, and the store's own atomic compare then runs on that exact
    /// stored value: an edit or delete between the two changes it, and the preview is dropped as without encryption.
    /// </remarks>
    public async Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default)
    {
        var stored = await inner.FindAsync(messageId, cancellationToken);
        if (stored is null || stored.IsDeleted || !codec.TryUnprotect(stored.Text, stored.Id, out var text, out _) || text != forText)
            return null;
        return Open(await inner.SetUrlPreviewAsync(messageId, stored.Text, preview, cancellationToken));
    }

    public async Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Open(await inner.SoftDeleteAsync(messageId, at, cancellationToken));

    public async Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        Open(await inner.AddReactionAsync(messageId, reaction, userId, cancellationToken));

    public async Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        Open(await inner.RemoveReactionAsync(messageId, reaction, userId, cancellationToken));

    public async Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default)
    {
        var result = await inner.PinAsync(messageId, userId, at, maxPinnedPerRoom, cancellationToken);
        return result with { Message = Open(result.Message) };
    }

    public async Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default) =>
        Open(await inner.UnpinAsync(messageId, cancellationToken));

    public async Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default) =>
        (await inner.PinnedAsync(roomId, cancellationToken)).Select(m => Open(m)!).ToList();

    public Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default) =>
        inner.CountUnreadAsync(roomId, afterSeq, upToSeq, excludeSenderId, cancellationToken);

    public Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default) => inner.DeleteRoomAsync(roomId, cancellationToken);

    private StoredMessage Seal(StoredMessage message) => message with { Text = codec.Protect(message.Text, message.Id) };

    private StoredMessage? Open(StoredMessage? stored)
    {
        if (stored is null)
            return null;
        if (codec.TryUnprotect(stored.Text, stored.Id, out var text, out var failure))
            return stored with { Text = text };
        LogUnreadable(logger, stored.Id, stored.RoomId, failure.KeyId, failure.Reason);
        return stored with { Text = MessageTextCodec.UnreadablePlaceholder };
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Message {MessageId} of room {RoomId} cannot be decrypted ({Reason}; key id {KeyId}); answered with a placeholder text")]
    private static partial void LogUnreadable(ILogger logger, string messageId, long roomId, string? keyId, string reason);
}
