using System.Data.Common;

namespace Shoot.Infrastructure.Persistence;

public enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The relational store of users, friends, rooms and schedules: SQLite embedded, PostgreSQL when configured.
/// Slices keep their own Dapper SQL; where the dialects differ they pick by <see cref="Dialect"/>.
/// </summary>
public interface ISqlDatabase
{
    SqlDialect Dialect { get; }

    /// <summary>Where the data lives, for the startup log and health output (never contains a password).</summary>
    string Description { get; }

    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation (optionally of one named constraint or index).</summary>
    bool IsUniqueViolation(Exception exception, string? constraint = null);

    /// <summary>Picks the SQL for this dialect: <c>db.Sql(sqlite: "...", postgres: "...")</c>.</summary>
    string Sql(string sqlite, string postgres) => Dialect == SqlDialect.Postgres ? postgres : sqlite;
}
