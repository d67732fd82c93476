using System.Diagnostics.CodeAnalysis;
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

    public async Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Open(await inner.SoftDeleteAsync(messageId, at, cancellationToken));

    public Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default) =>
        inner.CountUnreadAsync(roomId, afterSeq, upToSeq, excludeSenderId, cancellationToken);

    public Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default) => inner.DeleteRoomAsync(roomId, cancellationToken);

    // A send carries no text: nothing to open.
    public IAsyncEnumerable<StoredSend> SendsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.SendsSinceAsync(since, cancellationToken);

    /// <summary>The message as stored (text still sealed): for a feature store's compare on the exact stored value.</summary>
    public Task<StoredMessage?> FindSealedAsync(string messageId, CancellationToken cancellationToken = default) =>
        inner.FindAsync(messageId, cancellationToken);

    /// <summary>The plain text of a message read with <see cref="FindSealedAsync"/>; false when it cannot be decrypted.</summary>
    public bool TryOpenText(StoredMessage stored, [NotNullWhen(true)] out string? text) => codec.TryUnprotect(stored.Text, stored.Id, out text, out _);

    private StoredMessage Seal(StoredMessage message) => message with { Text = codec.Protect(message.Text, message.Id) };

    /// <summary>
    /// A stored message with its text opened, or the placeholder (logged) when it cannot be: also used by the feature
    /// stores that read messages themselves (pins, reactions, previews; see <c>Features/Messages/MessagePartStores</c>).
    /// </summary>
    public StoredMessage? Open(StoredMessage? stored)
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
