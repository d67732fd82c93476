using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Support;

/// <summary>
/// One host on a fresh database of the run's shared PostgreSQL server (<see cref="SharedPostgres"/>), shared by the
/// tests of a class, as <see cref="SqliteApp"/> is on SQLite.
/// </summary>
public sealed class PostgresApp : IAsyncLifetime
{
    private ShootAppFactory? _factory;

    public ShootAppFactory Factory => _factory ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() =>
        _factory = new ShootAppFactory(ShootAppFactory.PostgresSettings(await new SharedPostgres().CreateDatabaseAsync()));

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}
