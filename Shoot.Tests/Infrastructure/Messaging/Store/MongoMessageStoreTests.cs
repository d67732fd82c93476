using MongoDB.Bson;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>The store suite on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it): each test gets its own database.</summary>
[Trait("Category", "Integration")]
public sealed class MongoMessageStoreTests(MongoFixture mongo) : MessageStoreSuite, IClassFixture<MongoFixture>
{
    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        mongo.SkipIfUnavailable();
        var collection = mongo.CreateDatabase().GetCollection<BsonDocument>(MongoMessageStore.CollectionName);
        var store = new MongoMessageStore(collection, "test");
        await store.EnsureIndexesAsync();
        // Starting twice (a second instance, a restart) finds the indexes there and changes nothing.
        await store.EnsureIndexesAsync();
        return store;
    }
}
