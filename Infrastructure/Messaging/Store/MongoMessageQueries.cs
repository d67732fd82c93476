using MongoDB.Bson;
using MongoDB.Driver;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Everything <see cref="MongoMessageStore"/> sends, as values: tests render them to BSON without a server, so the
/// adapter itself only passes them to the driver. Public for the feature stores on the same collection (pins, reactions,
/// previews), which add their own updates beside these.
/// </summary>
public static class MongoMessageQueries
{
    public const string SeqIndexName = "ux_messages_room_seq";
    public const string IdIndexName = "_id_";
    public const string PinSlotIndexName = "ux_messages_room_pin_slot";
    private const int DuplicateKeyCode = 11000;

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;
    private static SortDefinitionBuilder<BsonDocument> Sort => Builders<BsonDocument>.Sort;
    private static UpdateDefinitionBuilder<BsonDocument> Update => Builders<BsonDocument>.Update;

    /// <summary>
    /// (roomId, seq) unique: one message per seq of a room. (roomId, _id) serves history pages newest first, (threadId, _id)
    /// thread pages. Named explicitly, so that a duplicate-key error tells which one refused the write.
    /// </summary>
    public static IReadOnlyList<CreateIndexModel<BsonDocument>> Indexes() =>
    [
        new(Builders<BsonDocument>.IndexKeys.Ascending("roomId").Ascending("seq"), new CreateIndexOptions { Name = SeqIndexName, Unique = true }),
        new(Builders<BsonDocument>.IndexKeys.Ascending("roomId").Ascending("_id"), new CreateIndexOptions { Name = "ix_messages_room_id" }),
        new(Builders<BsonDocument>.IndexKeys.Ascending("threadId").Ascending("_id"), new CreateIndexOptions { Name = "ix_messages_thread_id" }),
        new(Builders<BsonDocument>.IndexKeys.Ascending("roomId").Ascending("pinSlot"), new CreateIndexOptions<BsonDocument>
        {
            Name = PinSlotIndexName,
            Unique = true,
            PartialFilterExpression = Filter.Exists("pinSlot"),
        }),
    ];

    /// <summary>Messages with a tempId (a string; server-made ones hold null) created at or after <paramref name="since"/>: a range of _id.</summary>
    public static FilterDefinition<BsonDocument> SendsSince(DateTimeOffset since) =>
        Filter.Gte("_id", ObjectId.Parse(MessageId.LowestAt(since))) & Filter.Type("tempId", BsonType.String);

    /// <summary>What a <see cref="StoredSend"/> is read from.</summary>
    public static ProjectionDefinition<BsonDocument> SendFields { get; } =
        Builders<BsonDocument>.Projection.Include("roomId").Include("senderId").Include("tempId").Include("seq").Exclude("_id");

    public static FilterDefinition<BsonDocument> ById(ObjectId id) => Filter.Eq("_id", id);

    public static FilterDefinition<BsonDocument> ByIds(IEnumerable<ObjectId> ids) => Filter.In("_id", ids);

    public static ProjectionDefinition<BsonDocument> IdOnly { get; } = Builders<BsonDocument>.Projection.Include("_id");

    public static FilterDefinition<BsonDocument> NotDeletedById(ObjectId id) => Filter.Eq("_id", id) & Filter.Eq("isDeleted", false);

    public static FilterDefinition<BsonDocument> Room(long roomId) => Filter.Eq("roomId", roomId);

    /// <summary>The filters of <see cref="MessagePage"/> combined; the ordering is <see cref="PageSort"/>.</summary>
    public static FilterDefinition<BsonDocument> PageFilter(MessagePage page)
    {
        var filters = new List<FilterDefinition<BsonDocument>> { Room(page.RoomId) };
        if (page.ThreadId is not null)
            filters.Add(Filter.Eq("threadId", page.ThreadId));
        if (page.BeforeId is not null)
            filters.Add(Filter.Lt("_id", ObjectId.Parse(page.BeforeId)));
        if (page.AfterId is not null)
            filters.Add(Filter.Gt("_id", ObjectId.Parse(page.AfterId)));
        if (page.AfterSeq is { } afterSeq)
            filters.Add(Filter.Gt("seq", afterSeq));
        return Filter.And(filters);
    }

    /// <summary>Unread for one reader: a seq range of the room (served by (roomId, seq)), not their own, not deleted.</summary>
    public static FilterDefinition<BsonDocument> UnreadFilter(long roomId, long afterSeq, long upToSeq, long excludeSenderId) =>
        Filter.And(Room(roomId), Filter.Gt("seq", afterSeq), Filter.Lte("seq", upToSeq), Filter.Ne("senderId", excludeSenderId),
            Filter.Eq("isDeleted", false));

    /// <summary>afterSeq: oldest first by seq; otherwise newest first by id.</summary>
    public static SortDefinition<BsonDocument> PageSort(MessagePage page) =>
        page.AfterSeq is null ? Sort.Descending("_id") : Sort.Ascending("seq");

    public static SortDefinition<BsonDocument> HighestSeqFirst { get; } = Sort.Descending("seq");

    public static ProjectionDefinition<BsonDocument> SeqOnly { get; } = Builders<BsonDocument>.Projection.Include("seq").Exclude("_id");

    public static UpdateDefinition<BsonDocument> EditUpdate(string text, DateTimeOffset at) =>
        Update.Set("text", text).Set("isEdited", true).Set("updatedAt", MongoMessageDocument.Date(at));

    public static UpdateDefinition<BsonDocument> SoftDeleteUpdate(DateTimeOffset at) =>
        Update.Combine(Update.Set("text", "").Set("isDeleted", true).Set("urlPreview", BsonNull.Value).Set("reactions", new BsonDocument()), UnpinUpdate())
            .Set("updatedAt", MongoMessageDocument.Date(at));

    /// <summary>
    /// Unpinning (and deleting) gives the pin slot back (the slots: Features/Pin/MongoPinStore; their index is created
    /// here with the others, as soft delete frees a slot too).
    /// </summary>
    public static UpdateDefinition<BsonDocument> UnpinUpdate() =>
        Update.Set("isPinned", false).Set("pinnedBy", BsonNull.Value).Set("pinnedAt", BsonNull.Value).Unset("pinSlot");

    /// <summary>
    /// E11000 on the <c>_id_</c> index: the message is stored already (a redelivery), which SaveBatch ignores. The server
    /// names the index in the message ("... index: _id_ dup key: ..."); the driver exposes no other field for it.
    /// </summary>
    public static bool IsDuplicateOn(string indexName, int code, string message) =>
        code == DuplicateKeyCode && message.Contains($" index: {indexName} ", StringComparison.Ordinal);
}
