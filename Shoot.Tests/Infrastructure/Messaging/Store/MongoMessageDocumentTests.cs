using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>The document the MongoDB adapter writes for a message, and that it reads every field back from it.</summary>
[Trait("Category", "Unit")]
public sealed class MongoMessageDocumentTests
{
    private static readonly JsonWriterSettings Canonical = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    private static readonly StoredMessage Full = new()
    {
        Id = "6b071ea5efdcf4691a7309a0",
        RoomId = 7,
        Seq = 42,
        SenderId = 5,
        TempId = "t-1",
        Text = "hi @bob",
        Type = "URL",
        IsEdited = true,
        UrlPreview = new UrlPreview("https://x.test", "X", null, "https://x.test/i.png", "X site"),
        ThreadId = "6b071d00efdcf4691a7300ff",
        ReplyToMessageId = "6b071d00efdcf4691a7300fe",
        ForwardedFrom = new ForwardedFrom("6b071d00efdcf4691a7300fd", 3, 9),
        Reactions = new Dictionary<string, IReadOnlyList<long>> { ["like"] = [5, 6], ["😂"] = [9] },
        Mentions = [11],
        IsPinned = true,
        PinnedBy = 5,
        PinnedAt = DateTimeOffset.FromUnixTimeMilliseconds(1764092703999),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1764092703120),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1764092703121),
    };

    [Fact]
    public void A_message_is_written_camel_case_with_an_object_id_int64_numbers_and_dates()
    {
        var json = MongoMessageDocument.ToBson(Full).ToJson(Canonical);

        // One line in the output; broken after commas here for reading. The JSON writer escapes the emoji (😂).
        var expected = """
            { "_id" : { "$oid" : "6b071ea5efdcf4691a7309a0" }, "roomId" : { "$numberLong" : "7" }, "seq" : { "$numberLong" : "42" },
            "senderId" : { "$numberLong" : "5" }, "tempId" : "t-1", "text" : "hi @bob", "type" : "URL", "isEdited" : true, "isDeleted" : false,
            "urlPreview" : { "url" : "https://x.test", "title" : "X", "description" : null, "imageUrl" : "https://x.test/i.png", "siteName" : "X site" },
            "threadId" : "6b071d00efdcf4691a7300ff", "replyToMessageId" : "6b071d00efdcf4691a7300fe",
            "forwardedFrom" : { "messageId" : "6b071d00efdcf4691a7300fd", "roomId" : { "$numberLong" : "3" }, "senderId" : { "$numberLong" : "9" } },
            "reactions" : { "like" : [{ "$numberLong" : "5" }, { "$numberLong" : "6" }], "\ud83d\ude02" : [{ "$numberLong" : "9" }] },
            "mentions" : [{ "$numberLong" : "11" }], "isPinned" : true, "pinnedBy" : { "$numberLong" : "5" },
            "pinnedAt" : { "$date" : { "$numberLong" : "1764092703999" } }, "createdAt" : { "$date" : { "$numberLong" : "1764092703120" } },
            "updatedAt" : { "$date" : { "$numberLong" : "1764092703121" } } }
            """.ReplaceLineEndings(" ");
        Assert.Equal(expected, json);
    }

    [Fact]
    public void Every_field_reads_back_as_written()
    {
        var bare = new StoredMessage
        {
            Id = "6b071ea5efdcf4691a7309a1",
            RoomId = 7,
            Seq = 43,
            SenderId = 5,
            Text = "",
            IsDeleted = true,
            CreatedAt = Full.CreatedAt,
            UpdatedAt = Full.UpdatedAt,
        };

        foreach (var message in new[] { Full, bare })
        {
            var read = MongoMessageDocument.FromBson(MongoMessageDocument.ToBson(message));
            Assert.Equal(JsonSerializer.Serialize(message), JsonSerializer.Serialize(read));
        }
    }

    [Fact]
    public void Fields_written_by_hand_or_older_versions_may_be_missing_or_int32()
    {
        var document = new BsonDocument
        {
            ["_id"] = ObjectId.Parse(Full.Id),
            ["roomId"] = 7,
            ["seq"] = 1,
            ["senderId"] = 5,
            ["text"] = "x",
            ["type"] = "TEXT",
            ["isEdited"] = false,
            ["isDeleted"] = false,
            ["createdAt"] = new BsonDateTime(1764092703120),
            ["updatedAt"] = new BsonDateTime(1764092703120),
        };

        var read = MongoMessageDocument.FromBson(document);

        Assert.Equal((7L, 1L, 5L), (read.RoomId, read.Seq, read.SenderId));
        Assert.Empty(read.Reactions);
        Assert.Empty(read.Mentions);
        Assert.Null(read.UrlPreview);
        Assert.Null(read.ForwardedFrom);
        Assert.Null(read.PinnedAt);
        Assert.False(read.IsPinned);
    }

    [Fact]
    public void A_reaction_nobody_holds_is_not_read_and_the_pin_slot_stays_inside_the_store()
    {
        // Between a $pull that empties a reaction and the update that drops it, a reader must not see an empty list.
        var document = MongoMessageDocument.ToBson(Full);
        document["reactions"] = new BsonDocument { ["like"] = new BsonArray(), ["wow"] = new BsonArray { 7L } };
        document["pinSlot"] = 2;

        var read = MongoMessageDocument.FromBson(document);

        Assert.Equal(["wow"], read.Reactions.Keys);
        Assert.Equal([7L], read.Reactions["wow"]);
        Assert.True(read.IsPinned);
    }
}
