using MongoDB.Bson;
using MongoDB.Driver;

namespace Shoot.Tests.Fixtures;

[Trait("Category", "Integration")]
public sealed class MongoFixtureTests(MongoFixture mongo) : IClassFixture<MongoFixture>
{
    [SkippableFact]
    public async Task Pings_and_round_trips_a_document_on_the_configured_server()
    {
        mongo.SkipIfUnavailable();

        var ping = await mongo.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        var collection = mongo.Database.GetCollection<BsonDocument>("fixture");
        await collection.InsertOneAsync(new BsonDocument { ["_id"] = 1, ["text"] = "hello" });

        Assert.Equal(1.0, ping["ok"].ToDouble());
        var stored = await collection.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal("hello", stored["text"].AsString);
    }

    [SkippableFact]
    public async Task Created_databases_start_empty()
    {
        mongo.SkipIfUnavailable();

        await mongo.Database.GetCollection<BsonDocument>("fixture").InsertOneAsync(new BsonDocument("x", 1));
        var other = mongo.CreateDatabase();

        Assert.NotEqual(mongo.DatabaseName, other.DatabaseNamespace.DatabaseName);
        Assert.Empty(await (await other.ListCollectionNamesAsync()).ToListAsync());
    }
}
