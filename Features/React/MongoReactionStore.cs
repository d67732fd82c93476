using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Reactions in the MongoDB <c>messages</c> collection: <c>reactions</c> is a sub-document of name → array of user ids,
/// changed by $addToSet and $pull, each atomic on the document.
/// </summary>
public sealed class MongoReactionStore(MongoMessageStore messages) : IReactionStore
{
    private static UpdateDefinitionBuilder<BsonDocument> Update => Builders<BsonDocument>.Update;

    public async Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default)
    {
        var (_, document) = await ChangeAsync(messageId, reaction, AddReactionUpdate(reaction, userId), cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    public async Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default)
    {
        var (id, document) = await ChangeAsync(messageId, reaction, RemoveReactionUpdate(reaction, userId), cancellationToken);
        if (document?.GetValue("reactions", BsonNull.Value) is BsonDocument reactions && reactions.GetValue(reaction, BsonNull.Value) is BsonArray { Count: 0 })
        {
            // Emptied: drop the name, unless someone reacted meanwhile (then the list is theirs and the filter misses).
            document = await messages.Collection.FindOneAndUpdateAsync(
                EmptyReactionById(id, reaction), DropReactionUpdate(reaction), MongoMessageStore.ReturnAfter, cancellationToken)
                ?? await messages.Collection.Find(MongoMessageQueries.ById(id)).FirstOrDefaultAsync(cancellationToken);
        }
        return document is null ? null : MongoMessageDocument.FromBson(document);
    }

    /// <summary>One reaction update of a message that is not deleted; the document after it, or null.</summary>
    private async Task<(ObjectId Id, BsonDocument? Document)> ChangeAsync(
        string messageId, string reaction, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken)
    {
        ReactionNames.Check(reaction);
        if (!MongoMessageStore.TryParse(messageId, out var id))
            return (id, null);
        return (id, await messages.Collection.FindOneAndUpdateAsync(
            MongoMessageQueries.NotDeletedById(id), update, MongoMessageStore.ReturnAfter, cancellationToken));
    }

    /// <summary>One user added to one reaction's set: $addToSet is atomic on the document and adds nobody twice.</summary>
    internal static UpdateDefinition<BsonDocument> AddReactionUpdate(string reaction, long userId) => Update.AddToSet(ReactionField(reaction), userId);

    internal static UpdateDefinition<BsonDocument> RemoveReactionUpdate(string reaction, long userId) => Update.Pull(ReactionField(reaction), userId);

    /// <summary>
    /// After a $pull, the reaction is removed only if its list is still empty: a user who reacted meanwhile is kept,
    /// because the condition and the $unset are one atomic update.
    /// </summary>
    internal static FilterDefinition<BsonDocument> EmptyReactionById(ObjectId id, string reaction) =>
        MongoMessageQueries.ById(id) & Builders<BsonDocument>.Filter.Size(ReactionField(reaction), 0);

    internal static UpdateDefinition<BsonDocument> DropReactionUpdate(string reaction) => Update.Unset(ReactionField(reaction));

    private static string ReactionField(string reaction) => "reactions." + reaction;
}
