using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>The store suite on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it): each test gets its own database.</summary>
[Trait("Category", "Integration")]
public sealed class MongoMessageStoreTests(MongoFixture mongo) : MessageStoreSuite, IClassFixture<MongoFixture>
{
    protected override async Task<IMessageStore> CreateStoreAsync() => await MessageBackend.MongoStoreAsync(mongo);
}
