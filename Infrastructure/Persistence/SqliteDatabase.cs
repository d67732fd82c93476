using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Shoot.Infrastructure.Persistence;

/// <summary>How hard a commit waits for the disk (SQLite's <c>PRAGMA synchronous</c>, which is per connection).</summary>
public enum SqliteDurability
{
    /// <summary>
    /// WAL with <c>synchronous=NORMAL</c>: a commit is in the OS's hands when it returns, so it survives the process
    /// crashing; the WAL is fsynced at checkpoints, so a power cut or kernel crash can lose the last commits.
    /// </summary>
    Normal,

    /// <summary><c>synchronous=FULL</c>: every commit is fsynced before it returns (survives a power cut).</summary>
    Full,
}

/// <summary>One SQLite file under the data directory; WAL so readers never wait for the writer.</summary>
public sealed class SqliteDatabase : ISqlDatabase
{
    private readonly string _connectionString;
    private readonly string _connectionPragmas;

    /// <summary>How long a statement waits for another connection's lock inside SQLite: the command timeout.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    // Physical connections that have had the per-connection pragmas (durability, busy timeout). Microsoft.Data.Sqlite
    // pools them and offers no hook for "a new one was opened", and the settings do not live in the file: a pragma run
    // once at start covered only the first connection, and every pooled one after it fsynced each commit (FULL is
    // SQLite's default).
    private readonly ConditionalWeakTable<sqlite3, object> _configured = new();

    public SqliteDatabase(string filePath, SqliteDurability durability = SqliteDurability.Normal)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = filePath,
            ForeignKeys = true,
            Pooling = true,
            // How long a statement may wait for another connection's lock in all (SQLite's busy timeout below, then
            // Microsoft.Data.Sqlite's own retries): what serialises writers.
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
        // busy_timeout: a connection that finds the write lock taken (another instance on the same file, or another
        // writer here) waits inside SQLite, retrying within milliseconds. Without it SQLite answers SQLITE_BUSY at once
        // and Microsoft.Data.Sqlite sleeps 150 ms before each retry: commits then stalled for 150–450 ms under a second
        // writer, likely the seconds-long SAVED lag of two instances storing into one file (docs/performance.md,
        // "Ninth profile").
        _connectionPragmas = (durability == SqliteDurability.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;")
            + $"PRAGMA busy_timeout={BusyTimeout.TotalMilliseconds:F0};";
        Description = $"SQLite ({Path.GetFullPath(filePath)})";
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // WAL is a property of the file: once is enough.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    public SqlDialect Dialect => SqlDialect.Sqlite;
    public string Description { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        var handle = connection.Handle!;
        if (!_configured.TryGetValue(handle, out _))
        {
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = _connectionPragmas;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            _configured.AddOrUpdate(handle, this);
        }
        return connection;
    }

    public bool IsUniqueViolation(Exception exception, string? constraint = null) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } e
        && (constraint is null || e.Message.Contains(constraint, StringComparison.Ordinal));
}
