using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The pin suite on SQLite with encryption at rest on: texts go in sealed and come back opened, as without it.</summary>
[Trait("Category", "Integration")]
public sealed class EncryptedSqlitePinStoreTests(SqliteMessageDatabases databases) : PinStoreSuite(databases.CreateEncryptedBackendAsync), IClassFixture<SqliteMessageDatabases>;
