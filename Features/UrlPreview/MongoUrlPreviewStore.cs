using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>Link previews in the MongoDB <c>messages</c> collection: the <c>urlPreview</c> sub-document, or null.</summary>
public sealed class MongoUrlPreviewStore(MongoMessageStore messages) : IUrlPreviewStore
{
    public Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default) =>
        MongoMessageStore.TryParse(messageId, out var id)
            ? messages.UpdateOneAsync(NotDeletedWithText(id, forText), UrlPreviewUpdate(preview), cancellationToken)
            : Task.FromResult<StoredMessage?>(null);

    /// <summary>A message not deleted whose text is still the one a preview was fetched for.</summary>
    internal static FilterDefinition<BsonDocument> NotDeletedWithText(ObjectId id, string text) =>
        MongoMessageQueries.NotDeletedById(id) & Builders<BsonDocument>.Filter.Eq("text", text);

    internal static UpdateDefinition<BsonDocument> UrlPreviewUpdate(UrlPreview? preview) =>
        Builders<BsonDocument>.Update.Set("urlPreview", MongoMessageDocument.Preview(preview));
}
