using Npgsql;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's <c>initdb</c> + <c>postgres</c>) on a free loopback port.
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the <c>postgres</c>
/// OS user in a temp directory handed to that user. Durability is off (fsync, synchronous_commit): the data
/// is thrown away anyway. Each test class should take its own database from <see cref="CreateDatabaseAsync"/>. Classes that
/// only need databases share one server through <see cref="SharedPostgres"/>.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime, IPostgresDatabases
{
    private const string OsUser = "postgres";
    private const string SuperUser = "postgres";
    private TempDirectory? _directory;
    private ServerProcess? _server;
    private int _databaseCount;

    public int Port { get; private set; }

    /// <summary>Npgsql connection string to the fixture's own database <c>shoot</c>.</summary>
    public string ConnectionString => ConnectionStringFor("shoot");

    public async Task InitializeAsync()
    {
        var bin = FindBinDirectory();
        _directory = await TempDirectory.CreateAsync(PostgresLeftovers.Prefix, owner: OsUser);
        var dataDirectory = _directory.Combine("data");
        await ServerProcess.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", dataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            runAsUser: OsUser);

        (_server, Port) = await FreePort.StartOnFreePortAsync(async port => (await ServerProcess.StartReadyAsync(
            Path.Combine(bin, "postgres"),
            [
                "-D", dataDirectory, "-p", port.ToString(), "-k", _directory.Path,
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200",
            ],
            () => CanQueryAsync(port),
            TimeSpan.FromSeconds(60),
            runAsUser: OsUser), port));

        await ExecuteAsync("CREATE DATABASE shoot");
    }

    /// <summary>Creates a new empty database and returns an Npgsql connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"shoot_test_{Interlocked.Increment(ref _databaseCount)}";
        await ExecuteAsync($"CREATE DATABASE {name}");
        return ConnectionStringFor(name);
    }

    public async Task DisposeAsync()
    {
        // Pooled connections would otherwise outlive the server and fail whoever takes them next.
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _directory?.Dispose();
    }

    private string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
    }.ConnectionString;

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> CanQueryAsync(int port)
    {
        var connectionString = $"Host=127.0.0.1;Port={port};Username={SuperUser};Database=postgres;Pooling=false;Timeout=2";
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync())! == 1;
    }

    private static string FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(versionDirectory => Path.Combine(versionDirectory, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "No PostgreSQL server found under /usr/lib/postgresql/*/bin. scripts/test.sh installs it (apt-get install postgresql).");
    }
}
