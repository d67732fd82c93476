using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Features.Friends;

/// <summary>The friends suite on the embedded backend: SQLite in a fresh data directory.</summary>
public sealed class SqliteFriendsTests(ApiHost host) : FriendsTests(host), IClassFixture<ApiHost>
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        new Dictionary<string, string?> { ["Shoot:DataDirectory"] = await Host.TempDataDirectoryAsync() };
}

/// <summary>The friends suite on PostgreSQL: a new database on the shared throwaway server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFriendsTests(PostgresServerFixture postgres, ApiHost host) : FriendsTests(host), IClassFixture<ApiHost>
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => new Dictionary<string, string?>
    {
        ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync(),
        ["Jwt:SigningKey"] = "friends-tests-signing-key-of-at-least-32-bytes",
    };
}
