namespace Shoot.Tests.Fixtures;

/// <summary>Where a test class gets fresh, empty PostgreSQL databases.</summary>
public interface IPostgresDatabases
{
    /// <summary>Creates a new empty database and returns an Npgsql connection string to it.</summary>
    Task<string> CreateDatabaseAsync();
}

/// <summary>
/// One PostgreSQL server for the whole test run, for classes that need only databases of their own. Take it as a class
/// fixture (<c>IClassFixture&lt;SharedPostgres&gt;</c>): unlike a collection fixture it does not make those classes run
/// one after another, and unlike a <see cref="PostgresServerFixture"/> per class it runs <c>initdb</c> once. The first
/// class that asks starts it; it is stopped and its directory deleted when the test process exits. A class that stops
/// or breaks its server must own a <see cref="PostgresServerFixture"/> instead.
/// </summary>
public sealed class SharedPostgres : IPostgresDatabases
{
    private static readonly Lazy<Task<PostgresServerFixture>> Server = new(StartAsync);

    public async Task<string> CreateDatabaseAsync() => await (await Server.Value).CreateDatabaseAsync();

    private static async Task<PostgresServerFixture> StartAsync()
    {
        // The exit handler below does not always get to run (see PostgresLeftovers): clean up after earlier runs.
        await PostgresLeftovers.ReapAsync();
        var server = new PostgresServerFixture();
        await server.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().GetAwaiter().GetResult();
        return server;
    }
}
