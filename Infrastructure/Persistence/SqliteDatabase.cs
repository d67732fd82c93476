using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Shoot.Infrastructure.Persistence;

/// <summary>One SQLite file under the data directory; WAL so readers never wait for the writer.</summary>
public sealed class SqliteDatabase : ISqlDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string filePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = filePath,
            ForeignKeys = true,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout, which is what serialises writers.
            DefaultTimeout = 30,
        }.ToString();
        Description = $"SQLite ({Path.GetFullPath(filePath)})";
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    public SqlDialect Dialect => SqlDialect.Sqlite;
    public string Description { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public bool IsUniqueViolation(Exception exception, string? constraint = null) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } e
        && (constraint is null || e.Message.Contains(constraint, StringComparison.Ordinal));
}
