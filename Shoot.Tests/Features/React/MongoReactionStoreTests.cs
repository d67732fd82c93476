using MongoDB.Bson;
using Shoot.Features.Messages;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.BsonRender;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// The reaction suite on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it): each test gets its own database. What
/// the adapter sends is checked without a server.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MongoReactionStoreTests(MongoFixture mongo)
    : ReactionStoreSuite(() => MessageBackend.OnMongoAsync(mongo)), IClassFixture<MongoFixture>
{
    [Fact]
    public void A_reaction_is_added_to_a_set_and_pulled_as_an_int64()
    {
        Assert.Equal("""{ "$addToSet" : { "reactions.like" : { "$numberLong" : "5" } } }""", Json(MongoReactionStore.AddReactionUpdate("like", 5)));
        Assert.Equal("""{ "$pull" : { "reactions.like" : { "$numberLong" : "5" } } }""", Json(MongoReactionStore.RemoveReactionUpdate("like", 5)));
    }

    [Fact]
    public void An_emptied_reaction_is_dropped_only_while_it_is_still_empty()
    {
        Assert.Equal("""{ "_id" : { "$oid" : "6b071ea5efdcf4691a7309a0" }, "reactions.laugh" : { "$size" : { "$numberInt" : "0" } } }""",
            Json(MongoReactionStore.EmptyReactionById(ObjectId.Parse("6b071ea5efdcf4691a7309a0"), "laugh")));
        Assert.Equal("""{ "$unset" : { "reactions.laugh" : { "$numberInt" : "1" } } }""", Json(MongoReactionStore.DropReactionUpdate("laugh")));
    }
}
