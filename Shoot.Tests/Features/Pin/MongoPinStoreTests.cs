using System.Net;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.BsonRender;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// The pin suite on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it): each test gets its own database. What the
/// adapter sends is checked without a server.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MongoPinStoreTests(MongoFixture mongo)
    : PinStoreSuite(() => MessageBackend.OnMongoAsync(mongo)), IClassFixture<MongoFixture>
{
    private const string Id = "6b071ea5efdcf4691a7309a0";

    [Fact]
    public void A_pin_takes_a_slot_of_a_message_neither_deleted_nor_pinned()
    {
        Assert.Equal($$"""{ "_id" : { "$oid" : "{{Id}}" }, "isDeleted" : false, "isPinned" : false }""",
            Json(MongoPinStore.PinnableById(ObjectId.Parse(Id))));
        Assert.Equal($$"""{ "$set" : { "isPinned" : true, "pinnedBy" : { "$numberLong" : "5" }, "pinnedAt" : {{At}}, "pinSlot" : { "$numberInt" : "2" } } }""",
            Json(MongoPinStore.PinUpdate(5, AtTime, 2)));
        Assert.Equal("""{ "$set" : { "isPinned" : false, "pinnedBy" : null, "pinnedAt" : null }, "$unset" : { "pinSlot" : { "$numberInt" : "1" } } }""",
            Json(MongoMessageQueries.UnpinUpdate()));
    }

    [Fact]
    public void A_rooms_pins_are_the_messages_holding_a_slot_latest_pinned_first()
    {
        Assert.Equal($$"""{{Room7}}, "pinSlot" : { "$exists" : true } }""", Json(MongoPinStore.PinnedFilter(7)));
        Assert.Equal("""{ "pinnedAt" : { "$numberInt" : "-1" }, "_id" : { "$numberInt" : "-1" } }""", Json(MongoPinStore.LatestPinnedFirst));
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

        Assert.Equal(taken, MongoPinStore.IsPinSlotTaken(failure));
        Assert.False(MongoPinStore.IsPinSlotTaken(new MongoConnectionException(connection, errmsg)));
    }
}
