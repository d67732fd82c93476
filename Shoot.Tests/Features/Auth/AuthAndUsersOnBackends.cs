using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Auth;

[Trait("Category", "Integration")]
public sealed class AuthAndUsersOnSqlite : AuthAndUsersSuite, IClassFixture<SqliteApp>
{
    public AuthAndUsersOnSqlite(SqliteApp app) => Factory = app.Factory;

    protected override ShootAppFactory Factory { get; }
}

[Trait("Category", "Integration")]
public sealed class AuthAndUsersOnPostgres : AuthAndUsersSuite, IClassFixture<PostgresApp>
{
    public AuthAndUsersOnPostgres(PostgresApp app) => Factory = app.Factory;

    protected override ShootAppFactory Factory { get; }
}
