using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Persistence;

/// <summary>
/// Applies the versioned scripts under Persistence/Migrations/{Sqlite|Postgres} (named NNNN_what.sql) in order, each in
/// its own transaction, at start. Safe to run twice (applied versions are recorded) and from two instances at once
/// (PostgreSQL: an advisory lock; SQLite: Microsoft.Data.Sqlite begins transactions IMMEDIATE, which takes the write
/// lock before the version check).
/// </summary>
public sealed partial class DatabaseMigrator(ISqlDatabase database, ILogger<DatabaseMigrator> logger) : IHostedService
{
    // Any constant works; it only has to be the same for every Shoot instance on the database.
    private const long AdvisoryLockKey = 0x53_48_4F_4F_54;

    public Task StartAsync(CancellationToken cancellationToken) => MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var postgres = database.Dialect == SqlDialect.Postgres;
        if (postgres)
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey });
        try
        {
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var script in Scripts(database.Dialect))
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
        LogApplied(logger, script.Version, script.Name);
    }

    internal static IReadOnlyList<MigrationScript> Scripts(SqlDialect dialect)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        var prefix = $"migrations/{dialect}/";
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
