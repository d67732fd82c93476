using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The preview store suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteUrlPreviewStoreTests(SqliteMessageDatabases databases) : UrlPreviewStoreSuite(databases.CreateBackendAsync), IClassFixture<SqliteMessageDatabases>;
