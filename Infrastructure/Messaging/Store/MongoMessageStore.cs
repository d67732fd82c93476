using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Messages in the MongoDB collection <c>messages</c> (<see cref="MongoMessageDocument"/> for the shape). Thin on
/// purpose: every filter, update and sort comes from <see cref="MongoMessageQueries"/>, which tests render without a server.
/// The feature stores that change one part of a message (pins, reactions, URL previews) send their own updates to
/// <see cref="Collection"/> and map what comes back with <see cref="MongoMessageDocument"/>, so a document is read in one place.
/// </summary>
public sealed class MongoMessageStore(IMongoCollection<BsonDocument> messages, string description) : IMessageStore
{
    public const string CollectionName = "messages";
    public const string DefaultDatabaseName = "shoot";

    /// <summary>findAndModify answering the document as the update left it.</summary>
    public static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public string Description { get; } = description;

    /// <summary>The <c>messages</c> collection, for the feature stores that change one part of a message.</summary>
    public IMongoCollection<BsonDocument> Collection => messages;

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
        return await UpdateOneAsync(MongoMessageQueries.NotDeletedById(id), MongoMessageQueries.EditUpdate(text, at), cancellationToken);
    }

    public async Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageId, out var id))
            return null;
        // Already deleted: deleting again changes nothing and answers the state as it is.
        return await UpdateOneAsync(MongoMessageQueries.NotDeletedById(id), MongoMessageQueries.SoftDeleteUpdate(at), cancellationToken)
            ?? await FindAsync(messageId, cancellationToken);
    }

    /// <summary>One atomic update of the message <paramref name="filter"/> matches; the message after it, or null when none matched.</summary>
    public async Task<StoredMessage?> UpdateOneAsync(
        FilterDefinition<BsonDocument> filter, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken = default)
    {
        var document = await messages.FindOneAndUpdateAsync(filter, update, ReturnAfter, cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default) =>
        messages.DeleteManyAsync(MongoMessageQueries.Room(roomId), cancellationToken);

    public async IAsyncEnumerable<StoredSend> SendsSinceAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var cursor = await messages.Find(MongoMessageQueries.SendsSince(since)).Project(MongoMessageQueries.SendFields)
            .ToCursorAsync(cancellationToken);
        while (await cursor.MoveNextAsync(cancellationToken))
        {
            foreach (var document in cursor.Current)
                yield return MongoMessageDocument.SendFromBson(document);
        }
    }

    /// <summary>The ObjectId of a message id; false for a string that is not one (it names no message).</summary>
    public static bool TryParse(string messageId, out ObjectId id)
    {
        id = ObjectId.Empty;
        return MessageId.IsValid(messageId) && ObjectId.TryParse(messageId, out id);
    }

    private static bool IsRedeliveryOrSeqConflict(BulkWriteError error) =>
        MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.IdIndexName, error.Code, error.Message) || IsSeqConflict(error);

    private static bool IsSeqConflict(BulkWriteError error) =>
        MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.SeqIndexName, error.Code, error.Message);
}
