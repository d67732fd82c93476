using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

// Encryption at rest (docs/security.md) for the feature stores that read and write messages themselves: the message
// store's decorator (EncryptingMessageStore) never sees their queries, so each result's text is opened here with the
// same seal, and the preview's "text unchanged" compare runs on the exact stored (sealed) value. Registered by
// MessagePartStores only when encryption is on.

internal sealed class EncryptingPinStore(IPinStore inner, EncryptingMessageStore seal) : IPinStore
{
    public async Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default)
    {
        var result = await inner.PinAsync(messageId, userId, at, maxPinnedPerRoom, cancellationToken);
        return result with { Message = seal.Open(result.Message) };
    }

    public async Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default) =>
        seal.Open(await inner.UnpinAsync(messageId, cancellationToken));

    public async Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default) =>
        (await inner.PinnedAsync(roomId, cancellationToken)).Select(m => seal.Open(m)!).ToList();
}

internal sealed class EncryptingReactionStore(IReactionStore inner, EncryptingMessageStore seal) : IReactionStore
{
    public async Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        seal.Open(await inner.AddReactionAsync(messageId, reaction, userId, cancellationToken));

    public async Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        seal.Open(await inner.RemoveReactionAsync(messageId, reaction, userId, cancellationToken));
}

internal sealed class EncryptingUrlPreviewStore(IUrlPreviewStore inner, EncryptingMessageStore seal) : IUrlPreviewStore
{
    /// <remarks>
    /// The store compares texts in its query, and a sealed text never equals another sealing of the same text (fresh
    /// nonce). So the stored value is read and opened here, and the store's atomic compare runs on that exact stored
    /// value: an edit or delete between the two changes it, and the preview is dropped as without encryption.
    /// </remarks>
    public async Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default)
    {
        var stored = await seal.FindSealedAsync(messageId, cancellationToken);
        if (stored is null || stored.IsDeleted || !seal.TryOpenText(stored, out var text) || text != forText)
            return null;
        return seal.Open(await inner.SetUrlPreviewAsync(messageId, stored.Text, preview, cancellationToken));
    }
}
