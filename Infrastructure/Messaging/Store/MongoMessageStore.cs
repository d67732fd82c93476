using MongoDB.Bson;
using MongoDB.Driver;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Messages in the MongoDB collection <c>messages</c> (<see cref="MongoMessageDocument"/> for the shape). Thin on
/// purpose: every filter, update and sort comes from <see cref="MongoMessageQueries"/>, which tests render without a server.
/// </summary>
public sealed class MongoMessageStore(IMongoCollection<BsonDocument> messages, string description) : IMessageStore
{
    public const string CollectionName = "messages";
    public const string DefaultDatabaseName = "shoot";

    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public string Description { get; } = description;

    /// <summary>The store on the database named by the connection string (<c>mongodb://host/shoot</c>), "shoot" when it names none.</summary>
    public static MongoMessageStore Create(IMongoClient client, MongoUrl url)
    {
        var databaseName = url.DatabaseName ?? DefaultDatabaseName;
        var database = client.GetDatabase(databaseName);
        // Servers and database only: the URL may carry credentials.
        var description = $"MongoDB ({string.Join(",", url.Servers)}/{databaseName}, collection {CollectionName})";
        return new MongoMessageStore(database.GetCollection<BsonDocument>(CollectionName), description);
    }

    /// <summary>Creates the indexes; creating an index that exists with the same keys and options is a no-op, so every instance may run it.</summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken = default) =>
        messages.Indexes.CreateManyAsync(MongoMessageQueries.Indexes(), cancellationToken);

    public async Task SaveBatchAsync(IReadOnlyList<StoredMessage> batch, CancellationToken cancellationToken = default)
    {
        MessageStoreRules.CheckBatch(batch);
        if (batch.Count == 0)
            return;
        var inserts = batch.Select(m => new InsertOneModel<BsonDocument>(MongoMessageDocument.ToBson(m))).ToList();
        try
        {
            await messages.BulkWriteAsync(inserts, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
        }
        catch (MongoBulkWriteException<BsonDocument> e) when (e.WriteConcernError is null && e.WriteErrors.All(IsRedeliveryOrSeqConflict))
        {
            // Unordered: every other insert was attempted and the redeliveries were no-ops; only seq conflicts remain to report.
            var conflicts = e.WriteErrors.Where(IsSeqConflict).Select(error => batch[error.Index]).ToList();
            if (conflicts.Count == 0)
                return;
            // A redelivery collides on both unique indexes and the server names one; it is a conflict only if its id is not stored.
            var stored = await StoredIdsAsync(conflicts, cancellationToken);
            var refused = conflicts.Where(m => !stored.Contains(m.Id)).ToList();
            if (refused.Count > 0)
                throw new MessageSeqConflictException(refused);
        }
    }

    private async Task<HashSet<string>> StoredIdsAsync(IEnumerable<StoredMessage> candidates, CancellationToken cancellationToken)
    {
        var found = await messages.Find(MongoMessageQueries.ByIds(candidates.Select(m => ObjectId.Parse(m.Id))))
            .Project(MongoMessageQueries.IdOnly)
            .ToListAsync(cancellationToken);
        return found.Select(document => document["_id"].AsObjectId.ToString()).ToHashSet();
    }

    public async Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        var document = await messages.Find(MongoMessageQueries.ById(id)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default)
    {
        MessageStoreRules.CheckPage(page);
        var documents = await messages.Find(MongoMessageQueries.PageFilter(page))
            .Sort(MongoMessageQueries.PageSort(page))
            .Limit(page.Limit)
            .ToListAsync(cancellationToken);
        return documents.Select(MongoMessageDocument.FromBson).ToList();
    }

    public async Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default)
    {
        var highest = await messages.Find(MongoMessageQueries.Room(roomId))
            .Sort(MongoMessageQueries.HighestSeqFirst)
            .Project(MongoMessageQueries.SeqOnly)
            .Limit(1)
            .FirstOrDefaultAsync(cancellationToken);
        return highest is null ? 0 : highest["seq"].ToInt64();
    }

    public Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default) =>
        messages.CountDocumentsAsync(MongoMessageQueries.UnreadFilter(roomId, afterSeq, upToSeq, excludeSenderId), cancellationToken: cancellationToken);

    public async Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        var document = await messages.FindOneAndUpdateAsync(
            MongoMessageQueries.NotDeletedById(id), MongoMessageQueries.EditUpdate(text, at), ReturnAfter, cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<StoredMessage?> SetUrlPreviewAsync(string messageId, string forText, UrlPreview? preview, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        var document = await messages.FindOneAndUpdateAsync(
            MongoMessageQueries.NotDeletedWithText(id, forText), MongoMessageQueries.UrlPreviewUpdate(preview), ReturnAfter, cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        var document = await messages.FindOneAndUpdateAsync(
            MongoMessageQueries.NotDeletedById(id), MongoMessageQueries.SoftDeleteUpdate(at), ReturnAfter, cancellationToken);
        // Already deleted: deleting again changes nothing and answers the state as it is.
        return document is null ? await FindAsync(messageId, cancellationToken) : MongoMessageDocument.FromBson(document);
    }

    public async Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default)
    {
        var (_, document) = await ChangeReactionAsync(messageId, reaction, MongoMessageQueries.AddReactionUpdate(reaction, userId), cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default)
    {
        var (id, document) = await ChangeReactionAsync(messageId, reaction, MongoMessageQueries.RemoveReactionUpdate(reaction, userId), cancellationToken);
        if (document?.GetValue("reactions", BsonNull.Value) is BsonDocument reactions && reactions.GetValue(reaction, BsonNull.Value) is BsonArray { Count: 0 })
        {
            // Emptied: drop the name, unless someone reacted meanwhile (then the list is theirs and the filter misses).
            document = await messages.FindOneAndUpdateAsync(
                MongoMessageQueries.EmptyReactionById(id, reaction), MongoMessageQueries.DropReactionUpdate(reaction), ReturnAfter, cancellationToken)
                ?? await messages.Find(MongoMessageQueries.ById(id)).FirstOrDefaultAsync(cancellationToken);
        }
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    /// <summary>One reaction update of a message that is not deleted; the document after it, or null.</summary>
    private async Task<(ObjectId Id, BsonDocument? Document)> ChangeReactionAsync(
        string messageId, string reaction, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken)
    {
        MessageStoreRules.CheckReaction(reaction);
        if (!TryParse(messageId, out var id))
            return (id, null);
        return (id, await messages.FindOneAndUpdateAsync(MongoMessageQueries.NotDeletedById(id), update, ReturnAfter, cancellationToken));
    }

    /// <remarks>The limit holds through the room's pin slots and their unique index (<see cref="MongoMessageQueries.PinnableById"/>).</remarks>
    public async Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return new PinResult(PinOutcome.NotFound, null);
        for (var slot = 1; slot <= maxPinnedPerRoom; slot++)
        {
            try
            {
                var document = await messages.FindOneAndUpdateAsync(
                    MongoMessageQueries.PinnableById(id), MongoMessageQueries.PinUpdate(userId, at, slot), ReturnAfter, cancellationToken);
                if (document is null)
                    break;
                return new PinResult(PinOutcome.Pinned, MongoMessageDocument.FromBson(document));
            }
            catch (MongoException e) when (MongoMessageQueries.IsPinSlotTaken(e))
            {
                // Another message of the room holds this slot: try the next one.
            }
        }
        return MessageStoreRules.PinRefused(await FindAsync(messageId, cancellationToken));
    }

    public async Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        var document = await messages.FindOneAndUpdateAsync(MongoMessageQueries.ById(id), MongoMessageQueries.UnpinUpdate(), ReturnAfter, cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default)
    {
        var documents = await messages.Find(MongoMessageQueries.PinnedFilter(roomId))
            .Sort(MongoMessageQueries.LatestPinnedFirst)
            .ToListAsync(cancellationToken);
        return documents.Select(MongoMessageDocument.FromBson).ToList();
    }

    public Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default) =>
        messages.DeleteManyAsync(MongoMessageQueries.Room(roomId), cancellationToken);

    private static bool TryParse(string messageId, out ObjectId id)
    {
        id = ObjectId.Empty;
        return MessageId.IsValid(messageId) && ObjectId.TryParse(messageId, out id);
    }

    private static bool IsRedeliveryOrSeqConflict(BulkWriteError error) =>
        MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.IdIndexName, error.Code, error.Message) || IsSeqConflict(error);

    private static bool IsSeqConflict(BulkWriteError error) =>
        MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.SeqIndexName, error.Code, error.Message);
}
