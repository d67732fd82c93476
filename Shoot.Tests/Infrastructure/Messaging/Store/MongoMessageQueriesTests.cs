using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using System.Net;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>
/// What the MongoDB adapter sends, rendered to BSON without a server. Canonical Extended JSON, so the types show too:
/// ids and seqs must go out as Int64 and ObjectId, times as dates.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MongoMessageQueriesTests
{
    private const string Before = "6b071ea5efdcf4691a7309a0";
    private const string After = "6b071e00efdcf4691a730001";
    private const string Thread = "6b071d00efdcf4691a7300ff";
    private const string Room7 = """{ "roomId" : { "$numberLong" : "7" }""";
    private const string At = """{ "$date" : { "$numberLong" : "1764092703120" } }""";

    private static readonly DateTimeOffset AtTime = DateTimeOffset.FromUnixTimeMilliseconds(1764092703120);
    private static readonly RenderArgs<BsonDocument> Args = new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);
    private static readonly JsonWriterSettings Canonical = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    [Fact]
    public void A_room_page_filters_by_room_only_and_sorts_newest_id_first()
    {
        var page = new MessagePage(7, 50);

        Assert.Equal($"{Room7} }}", Json(MongoMessageQueries.PageFilter(page)));
        Assert.Equal("""{ "_id" : { "$numberInt" : "-1" } }""", Json(MongoMessageQueries.PageSort(page)));
    }

    [Fact]
    public void Cursors_become_an_id_range_and_a_thread_an_equality()
    {
        var page = new MessagePage(7, 50, BeforeId: Before, AfterId: After, ThreadId: Thread);

        Assert.Equal(
            $$"""{{Room7}}, "threadId" : "{{Thread}}", "_id" : { "$lt" : { "$oid" : "{{Before}}" }, "$gt" : { "$oid" : "{{After}}" } } }""",
            Json(MongoMessageQueries.PageFilter(page)));
        Assert.Equal("""{ "_id" : { "$numberInt" : "-1" } }""", Json(MongoMessageQueries.PageSort(page)));
    }

    [Fact]
    public void Each_cursor_alone_is_one_bound()
    {
        Assert.Equal($$"""{{Room7}}, "_id" : { "$lt" : { "$oid" : "{{Before}}" } } }""",
            Json(MongoMessageQueries.PageFilter(new MessagePage(7, 50, BeforeId: Before))));
        Assert.Equal($$"""{{Room7}}, "_id" : { "$gt" : { "$oid" : "{{After}}" } } }""",
            Json(MongoMessageQueries.PageFilter(new MessagePage(7, 50, AfterId: After))));
    }

    [Fact]
    public void An_after_seq_page_filters_on_seq_and_sorts_oldest_first()
    {
        var page = new MessagePage(7, 50, AfterSeq: 3);

        Assert.Equal($$"""{{Room7}}, "seq" : { "$gt" : { "$numberLong" : "3" } } }""", Json(MongoMessageQueries.PageFilter(page)));
        Assert.Equal("""{ "seq" : { "$numberInt" : "1" } }""", Json(MongoMessageQueries.PageSort(page)));
    }

    [Fact]
    public void After_seq_in_a_thread_keeps_both_filters()
    {
        var page = new MessagePage(7, 50, AfterSeq: 0, ThreadId: Thread);

        Assert.Equal($$"""{{Room7}}, "threadId" : "{{Thread}}", "seq" : { "$gt" : { "$numberLong" : "0" } } }""",
            Json(MongoMessageQueries.PageFilter(page)));
    }

    [Fact]
    public void Max_seq_reads_only_the_seq_of_the_highest_message_of_the_room()
    {
        Assert.Equal($"{Room7} }}", Json(MongoMessageQueries.Room(7)));
        Assert.Equal("""{ "seq" : { "$numberInt" : "-1" } }""", Json(MongoMessageQueries.HighestSeqFirst));
        Assert.Equal("""{ "seq" : { "$numberInt" : "1" }, "_id" : { "$numberInt" : "0" } }""",
            MongoMessageQueries.SeqOnly.Render(Args).ToJson(Canonical));
    }

    [Fact]
    public void Single_messages_are_addressed_by_object_id_and_edits_skip_deleted_ones()
    {
        var id = ObjectId.Parse(Before);

        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Before}}" } }""", Json(MongoMessageQueries.ById(id)));
        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Before}}" }, "isDeleted" : false }""", Json(MongoMessageQueries.NotDeletedById(id)));
    }

    [Fact]
    public void Seq_conflicts_are_checked_against_the_stored_ids()
    {
        Assert.Equal($$"""{ "_id" : { "$in" : [{ "$oid" : "{{Before}}" }, { "$oid" : "{{After}}" }] } }""",
            Json(MongoMessageQueries.ByIds([ObjectId.Parse(Before), ObjectId.Parse(After)])));
        Assert.Equal("""{ "_id" : { "$numberInt" : "1" } }""", MongoMessageQueries.IdOnly.Render(Args).ToJson(Canonical));
    }

    [Fact]
    public void An_edit_sets_text_is_edited_and_updated_at()
    {
        Assert.Equal($$"""{ "$set" : { "text" : "new text", "isEdited" : true, "updatedAt" : {{At}} } }""",
            Json(MongoMessageQueries.EditUpdate("new text", AtTime)));
    }

    [Fact]
    public void A_soft_delete_empties_the_text_drops_the_preview_and_the_reactions_unpins_and_sets_updated_at()
    {
        Assert.Equal($$"""{ "$set" : { "text" : "", "isDeleted" : true, "urlPreview" : null, "reactions" : { }, "isPinned" : false, "pinnedBy" : null, "pinnedAt" : null, "updatedAt" : {{At}} }, "$unset" : { "pinSlot" : { "$numberInt" : "1" } } }""",
            Json(MongoMessageQueries.SoftDeleteUpdate(AtTime)));
    }

    [Fact]
    public void A_reaction_is_added_to_a_set_and_pulled_as_an_int64()
    {
        Assert.Equal("""{ "$addToSet" : { "reactions.like" : { "$numberLong" : "5" } } }""", Json(MongoMessageQueries.AddReactionUpdate("like", 5)));
        Assert.Equal("""{ "$pull" : { "reactions.like" : { "$numberLong" : "5" } } }""", Json(MongoMessageQueries.RemoveReactionUpdate("like", 5)));
    }

    [Fact]
    public void An_emptied_reaction_is_dropped_only_while_it_is_still_empty()
    {
        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Before}}" }, "reactions.laugh" : { "$size" : { "$numberInt" : "0" } } }""",
            Json(MongoMessageQueries.EmptyReactionById(ObjectId.Parse(Before), "laugh")));
        Assert.Equal("""{ "$unset" : { "reactions.laugh" : { "$numberInt" : "1" } } }""", Json(MongoMessageQueries.DropReactionUpdate("laugh")));
    }

    [Fact]
    public void A_pin_takes_a_slot_of_a_message_neither_deleted_nor_pinned()
    {
        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Before}}" }, "isDeleted" : false, "isPinned" : false }""",
            Json(MongoMessageQueries.PinnableById(ObjectId.Parse(Before))));
        Assert.Equal($$"""{ "$set" : { "isPinned" : true, "pinnedBy" : { "$numberLong" : "5" }, "pinnedAt" : {{At}}, "pinSlot" : { "$numberInt" : "2" } } }""",
            Json(MongoMessageQueries.PinUpdate(5, AtTime, 2)));
        Assert.Equal("""{ "$set" : { "isPinned" : false, "pinnedBy" : null, "pinnedAt" : null }, "$unset" : { "pinSlot" : { "$numberInt" : "1" } } }""",
            Json(MongoMessageQueries.UnpinUpdate()));
    }

    [Fact]
    public void A_rooms_pins_are_the_messages_holding_a_slot_latest_pinned_first()
    {
        Assert.Equal($$"""{{Room7}}, "pinSlot" : { "$exists" : true } }""", Json(MongoMessageQueries.PinnedFilter(7)));
        Assert.Equal("""{ "pinnedAt" : { "$numberInt" : "-1" }, "_id" : { "$numberInt" : "-1" } }""", Json(MongoMessageQueries.LatestPinnedFirst));
    }

    [Theory]
    [InlineData(11000, "E11000 duplicate key error collection: shoot.messages index: ux_messages_room_pin_slot dup key: { roomId: 1, pinSlot: 2 }", true)]
    [InlineData(11000, "E11000 duplicate key error collection: shoot.messages index: ux_messages_room_seq dup key: { roomId: 1, seq: 1 }", false)]
    [InlineData(2, "ux_messages_room_pin_slot index: ux_messages_room_pin_slot mentioned", false)]
    public void A_pin_that_lost_its_slot_is_told_apart_from_other_errors(int code, string errmsg, bool taken)
    {
        var connection = new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("mongo", 27017)));
        // What the driver throws for a findAndModify the server refused: the command and the server's reply.
        var failure = new MongoCommandException(connection, "Command findAndModify failed: " + errmsg,
            new BsonDocument("findAndModify", "messages"), new BsonDocument { ["ok"] = 0, ["errmsg"] = errmsg, ["code"] = code });

        Assert.Equal(taken, MongoMessageQueries.IsPinSlotTaken(failure));
        Assert.False(MongoMessageQueries.IsPinSlotTaken(new MongoConnectionException(connection, errmsg)));
    }

    [Fact]
    public void A_url_preview_goes_only_to_a_message_not_deleted_whose_text_is_unchanged()
    {
        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Before}}" }, "isDeleted" : false, "text" : "see https://x.test" }""",
            Json(MongoMessageQueries.NotDeletedWithText(ObjectId.Parse(Before), "see https://x.test")));
    }

    [Fact]
    public void A_url_preview_update_sets_the_sub_document_or_null_and_nothing_else()
    {
        Assert.Equal("""{ "$set" : { "urlPreview" : { "url" : "https://x.test", "title" : "X", "description" : null, "imageUrl" : "https://x.test/i.png", "siteName" : "X site" } } }""",
            Json(MongoMessageQueries.UrlPreviewUpdate(new UrlPreview("https://x.test", "X", null, "https://x.test/i.png", "X site"))));
        Assert.Equal("""{ "$set" : { "urlPreview" : null } }""", Json(MongoMessageQueries.UrlPreviewUpdate(null)));
    }

    [Fact]
    public void Unread_is_a_seq_range_not_the_readers_own_and_not_deleted()
    {
        Assert.Equal($$"""{{Room7}}, "seq" : { "$gt" : { "$numberLong" : "3" }, "$lte" : { "$numberLong" : "9" } }, "senderId" : { "$ne" : { "$numberLong" : "5" } }, "isDeleted" : false }""",
            Json(MongoMessageQueries.UnreadFilter(7, 3, 9, 5)));
    }

    [Fact]
    public void Indexes_are_room_seq_unique_room_id_thread_id_and_room_pin_slot_unique()
    {
        var indexes = MongoMessageQueries.Indexes()
            .Select(i => (Keys: i.Keys.Render(Args).ToJson(Canonical), i.Options.Name, Unique: i.Options.Unique ?? false))
            .ToList();

        Assert.Equal(
        [
            ("""{ "roomId" : { "$numberInt" : "1" }, "seq" : { "$numberInt" : "1" } }""", "ux_messages_room_seq", true),
            ("""{ "roomId" : { "$numberInt" : "1" }, "_id" : { "$numberInt" : "1" } }""", "ix_messages_room_id", false),
            ("""{ "threadId" : { "$numberInt" : "1" }, "_id" : { "$numberInt" : "1" } }""", "ix_messages_thread_id", false),
            ("""{ "roomId" : { "$numberInt" : "1" }, "pinSlot" : { "$numberInt" : "1" } }""", "ux_messages_room_pin_slot", true),
        ], indexes);
        // Only pinned messages hold a slot, so only they are in the unique slot index.
        var slots = (CreateIndexOptions<BsonDocument>)MongoMessageQueries.Indexes()[3].Options;
        Assert.Equal("""{ "pinSlot" : { "$exists" : true } }""", Json(slots.PartialFilterExpression));
    }

    [Theory]
    // The server's E11000 texts (MongoDB 4.2 … 8): only a duplicate _id is a redelivery that SaveBatch may ignore.
    [InlineData(11000, "E11000 duplicate key error collection: shoot.messages index: _id_ dup key: { _id: ObjectId('6b071ea5efdcf4691a7309a0') }", true, false)]
    [InlineData(11000, "E11000 duplicate key error collection: shoot.messages index: ux_messages_room_seq dup key: { roomId: 1, seq: 1 }", false, true)]
    [InlineData(11000, "E11000 duplicate key error collection: shoot.messages index: other_index_ dup key: { x: 1 }", false, false)]
    [InlineData(121, "Document failed validation; index: _id_ mentioned", false, false)]
    public void Duplicate_key_errors_are_told_apart_by_index(int code, string message, bool duplicateId, bool duplicateSeq)
    {
        Assert.Equal(duplicateId, MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.IdIndexName, code, message));
        Assert.Equal(duplicateSeq, MongoMessageQueries.IsDuplicateOn(MongoMessageQueries.SeqIndexName, code, message));
    }

    private static string Json(FilterDefinition<BsonDocument> filter) => filter.Render(Args).ToJson(Canonical);
    private static string Json(SortDefinition<BsonDocument> sort) => sort.Render(Args).ToJson(Canonical);
    private static string Json(UpdateDefinition<BsonDocument> update) => update.Render(Args).ToJson(Canonical);
}
