using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The URL preview suite on SQLite with encryption at rest on: texts go in sealed and come back opened, as without it.</summary>
[Trait("Category", "Integration")]
public sealed class EncryptedSqliteUrlPreviewStoreTests(SqliteMessageDatabases databases) : UrlPreviewStoreSuite(databases.CreateEncryptedBackendAsync), IClassFixture<SqliteMessageDatabases>;
