using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The reaction suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteReactionStoreTests : ReactionStoreSuite, IDisposable
{
    private readonly SqliteMessageDatabases _databases = new();

    protected override Task<MessageBackend> CreateBackendAsync() => _databases.CreateBackendAsync();

    public void Dispose() => _databases.Dispose();
}
