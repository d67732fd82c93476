using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The preview store suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteUrlPreviewStoreTests : UrlPreviewStoreSuite, IDisposable
{
    private readonly SqliteMessageDatabases _databases = new();

    protected override Task<MessageBackend> CreateBackendAsync() => _databases.CreateBackendAsync();

    public void Dispose() => _databases.Dispose();
}
