using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Pins in the MongoDB <c>messages</c> collection. The room limit (at most N pinned messages per room) holds across
/// instances without multi-document transactions (which a standalone server lacks): a pinned message also holds one of
/// its room's N pin slots, <c>pinSlot</c> 1…N, and (roomId, pinSlot) is a unique index over the documents that have one
/// (<see cref="MongoMessageQueries.PinSlotIndexName"/>, created with the collection's other indexes). The server checks
/// the index in the same atomic write that pins, so two pins racing for one slot cannot both succeed: the loser gets a
/// duplicate-key error and tries the next slot; with every slot taken, the room is full. Counting first and pinning
/// after could not hold the limit, and a per-room counter document would be a second write that a crash could leave out
/// of step with the messages.
/// </summary>
public sealed class MongoPinStore(MongoMessageStore messages) : IPinStore
{
    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    public async Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default)
    {
        if (!MongoMessageStore.TryParse(messageId, out var id))
            return new PinResult(PinOutcome.NotFound, null);
        for (var slot = 1; slot <= maxPinnedPerRoom; slot++)
        {
            try
            {
                var pinned = await messages.UpdateOneAsync(PinnableById(id), PinUpdate(userId, at, slot), cancellationToken);
                if (pinned is null)
                    break;
                return new PinResult(PinOutcome.Pinned, pinned);
            }
            catch (MongoException e) when (IsPinSlotTaken(e))
            {
                // Another message of the room holds this slot: try the next one.
            }
        }
        return PinResult.Refused(await messages.FindAsync(messageId, cancellationToken));
    }

    public Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default) =>
        MongoMessageStore.TryParse(messageId, out var id)
            ? messages.UpdateOneAsync(MongoMessageQueries.ById(id), MongoMessageQueries.UnpinUpdate(), cancellationToken)
            : Task.FromResult<StoredMessage?>(null);

    public async Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default)
    {
        var documents = await messages.Collection.Find(PinnedFilter(roomId)).Sort(LatestPinnedFirst).ToListAsync(cancellationToken);
        return documents.Select(MongoMessageDocument.FromBson).ToList();
    }

    /// <summary>A message that may take a slot: neither deleted nor pinned already.</summary>
    internal static FilterDefinition<BsonDocument> PinnableById(ObjectId id) => MongoMessageQueries.NotDeletedById(id) & Filter.Eq("isPinned", false);

    internal static UpdateDefinition<BsonDocument> PinUpdate(long userId, DateTimeOffset at, int slot) =>
        Builders<BsonDocument>.Update.Set("isPinned", true).Set("pinnedBy", userId).Set("pinnedAt", MongoMessageDocument.Date(at)).Set("pinSlot", slot);

    /// <summary>A room's pinned messages: the documents holding a slot, so the partial slot index serves the query.</summary>
    internal static FilterDefinition<BsonDocument> PinnedFilter(long roomId) => MongoMessageQueries.Room(roomId) & Filter.Exists("pinSlot");

    internal static SortDefinition<BsonDocument> LatestPinnedFirst { get; } = Builders<BsonDocument>.Sort.Descending("pinnedAt").Descending("_id");

    /// <summary>A pin that lost its slot to another message of the room (findAndModify reports it as a command error).</summary>
    internal static bool IsPinSlotTaken(MongoException exception) => exception switch
    {
        MongoCommandException e => MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.PinSlotIndexName, e.Code, e.ErrorMessage ?? e.Message),
        MongoWriteException e => MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.PinSlotIndexName, e.WriteError.Code, e.WriteError.Message),
        _ => false,
    };
}
