using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Persistence;

/// <summary>
/// Applies one script set, the versioned scripts under Persistence/Migrations/{set}/ (named NNNN_what.sql), in order,
/// each in its own transaction, at start. Safe to run twice (applied versions are recorded in the database's own
/// schema_migrations table) and from two instances at once (PostgreSQL: an advisory lock; SQLite: Microsoft.Data.Sqlite
/// begins transactions IMMEDIATE, which takes the write lock before the version check).
/// The relational database uses the set named by its dialect (Sqlite, Postgres); other databases name their own set
/// (messages.db: <see cref="MessagesDatabase.ScriptSet"/>).
/// </summary>
public sealed partial class DatabaseMigrator(ISqlDatabase database, string scriptSet, ILogger<DatabaseMigrator> logger) : IHostedService
{
    /// <summary>The relational database's migrations: the script set named by its dialect.</summary>
    public DatabaseMigrator(ISqlDatabase database, ILogger<DatabaseMigrator> logger)
        : this(database, database.Dialect.ToString(), logger)
    {
    }

    // Any constant works; it only has to be the same for every Shoot instance on the database.
    private const long AdvisoryLockKey = 0x53_48_4F_4F_54;

    public Task StartAsync(CancellationToken cancellationToken) => MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var scripts = Scripts(scriptSet);
        if (scripts.Count == 0)
            throw new InvalidOperationException($"No migration scripts are embedded for the script set '{scriptSet}'.");
        await using var connection = await database.OpenAsync(cancellationToken);
        var postgres = database.Dialect == SqlDialect.Postgres;
        if (postgres)
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey });
        try
        {
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var script in scripts)
                await ApplyAsync(connection, script, cancellationToken);
        }
        finally
        {
            if (postgres)
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }

    private async Task ApplyAsync(DbConnection connection, MigrationScript script, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var applied = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version", new { script.Version }, transaction);
        if (applied > 0)
            return;
        await connection.ExecuteAsync(script.Sql, transaction: transaction);
        await connection.ExecuteAsync(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @now)",
            new { script.Version, script.Name, now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, transaction);
        await transaction.CommitAsync(ct);
        LogApplied(logger, scriptSet, script.Version, script.Name);
    }

    internal static IReadOnlyList<MigrationScript> Scripts(SqlDialect dialect) => Scripts(dialect.ToString());

    internal static IReadOnlyList<MigrationScript> Scripts(string scriptSet)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        var prefix = $"migrations/{scriptSet}/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(name => Load(assembly, name, name[prefix.Length..]))
            .OrderBy(script => script.Version)
            .ToList();
    }

    private static MigrationScript Load(Assembly assembly, string resource, string fileName)
    {
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
        return new MigrationScript(version, Path.GetFileNameWithoutExtension(fileName), reader.ReadToEnd());
    }

    internal sealed record MigrationScript(int Version, string Name, string Sql);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {ScriptSet} {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, string scriptSet, int version, string name);
}
