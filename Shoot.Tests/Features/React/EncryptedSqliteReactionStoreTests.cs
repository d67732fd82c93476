using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The reaction suite on SQLite with encryption at rest on: texts go in sealed and come back opened, as without it.</summary>
[Trait("Category", "Integration")]
public sealed class EncryptedSqliteReactionStoreTests(SqliteMessageDatabases databases) : ReactionStoreSuite(databases.CreateEncryptedBackendAsync), IClassFixture<SqliteMessageDatabases>;
