using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Auth;

public sealed class AuthAndUsersOnSqlite : AuthAndUsersSuite, IClassFixture<SqliteApp>
{
    public AuthAndUsersOnSqlite(SqliteApp app) => Factory = app.Factory;

    protected override ShootAppFactory Factory { get; }
}

[Collection(PostgresCollection.Name)]
public sealed class AuthAndUsersOnPostgres : AuthAndUsersSuite, IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres;
    private ShootAppFactory? _factory;

    public AuthAndUsersOnPostgres(PostgresServerFixture postgres) => _postgres = postgres;

    protected override ShootAppFactory Factory => _factory ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() =>
        _factory = new ShootAppFactory(ShootAppFactory.PostgresSettings(await _postgres.CreateDatabaseAsync()));

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}
