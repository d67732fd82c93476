using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Infrastructure.Persistence;

/// <summary>Migrations are safe to run twice and from several instances at once, on both dialects.</summary>
[Trait("Category", "Integration")]
public sealed class MigrationTests(SharedPostgres postgres) : IClassFixture<SharedPostgres>
{
    [Fact]
    public async Task Postgres_migrations_run_concurrently_and_twice_without_harm()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var databases = Enumerable.Range(0, 4).Select(_ => new PostgresDatabase(NpgsqlDataSource.Create(connectionString))).ToList();
        await Task.WhenAll(databases.Select(db => new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync()));
        await new DatabaseMigrator(databases[0], NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        await AssertEveryScriptAppliedOnceAsync(databases[0]);
        foreach (var db in databases)
            await db.DisposeAsync();
    }

    [Fact]
    public async Task Sqlite_migrations_run_concurrently_and_twice_without_harm()
    {
        var directory = Directory.CreateTempSubdirectory("shoot-migrate-").FullName;
        var file = Path.Combine(directory, "shoot.db");
        var databases = Enumerable.Range(0, 4).Select(_ => new SqliteDatabase(file)).ToList();
        await Task.WhenAll(databases.Select(db => Task.Run(() => new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync())));
        await new DatabaseMigrator(databases[0], NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        await AssertEveryScriptAppliedOnceAsync(databases[0]);
    }

    [Fact]
    public void Both_dialects_have_the_same_numbered_scripts()
    {
        var sqlite = DatabaseMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Name).ToList();
        var postgresScripts = DatabaseMigrator.Scripts(SqlDialect.Postgres).Select(s => s.Name).ToList();
        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgresScripts);
        Assert.Equal(sqlite.Count, DatabaseMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Version).Distinct().Count());
    }

    private static async Task AssertEveryScriptAppliedOnceAsync(ISqlDatabase database)
    {
        await using var connection = await database.OpenAsync();
        var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(DatabaseMigrator.Scripts(database.Dialect).Select(s => s.Version), applied);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users"));
    }
}
