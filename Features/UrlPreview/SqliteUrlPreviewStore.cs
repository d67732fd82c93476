using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>Link previews in the embedded messages.db: the url_preview column, JSON text.</summary>
public sealed class SqliteUrlPreviewStore(SqliteMessageStore messages) : IUrlPreviewStore
{
    public Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default) =>
        messages.QuerySingleAsync($"""
            UPDATE messages SET url_preview = @preview
            WHERE id = @messageId AND is_deleted = 0 AND text = @forText RETURNING {SqliteMessageStore.Columns}
            """, new { messageId, forText, preview = SqliteMessageStore.PreviewJson(preview) }, cancellationToken);
}
