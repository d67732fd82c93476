using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The reaction suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteReactionStoreTests(SqliteMessageDatabases databases) : ReactionStoreSuite(databases.CreateBackendAsync), IClassFixture<SqliteMessageDatabases>;
