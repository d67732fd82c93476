using Shoot.Infrastructure.Messaging;

namespace Shoot.Features.Messages;

/// <summary>
/// Where a message's link preview is kept: on the message itself (<see cref="StoredMessage.UrlPreview"/>), in whichever
/// store holds messages (<see cref="SqliteUrlPreviewStore"/>, <see cref="MongoUrlPreviewStore"/>; chosen with the
/// message store, see <see cref="MessagePartStores"/>).
/// </summary>
public interface IUrlPreviewStore
{
    /// <summary>
    /// Sets (or, with null, clears) the urlPreview of a message that is not deleted and whose text is still
    /// <paramref name="forText"/>, in one atomic step: a preview fetched for a text that was edited or deleted meanwhile
    /// is dropped, never stored over the newer state. updatedAt stays (the preview is the server's, not an edit).
    /// Returns the new state, or null when the message is absent, deleted or its text changed.
    /// </summary>
    Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default);
}
