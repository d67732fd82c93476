using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;
using static Shoot.Tests.Support.BsonRender;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>
/// What the MongoDB adapter sends, rendered to BSON without a server (<see cref="Support.BsonRender"/>). The updates of
/// pins, reactions and previews are checked beside their stores (Features/Pin, React, UrlPreview).
/// </summary>
[Trait("Category", "Unit")]
public sealed class MongoMessageQueriesTests
{
    private const string Before = "6b071ea5efdcf4691a7309a0";
    private const string After = "6b071e00efdcf4691a730001";
    private const string Thread = "6b071d00efdcf4691a7300ff";

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

    [Fact]
    public void The_sends_since_a_time_are_a_range_of_ids_with_a_tempId()
    {
        var since = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        var lowest = $$"""{ "$oid" : "{{MessageId.LowestAt(since)}}" }""";

        Assert.Equal($$"""{ "_id" : { "$gte" : {{lowest}} }, "tempId" : { "$type" : { "$numberInt" : "2" } } }""", Json(MongoMessageQueries.SendsSince(since)));
        Assert.StartsWith(((uint)since.ToUnixTimeSeconds()).ToString("x8"), MessageId.LowestAt(since));
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
}
