using System.Data.Common;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Infrastructure.Persistence;

/// <summary>
/// What every pooled SQLite connection is given: the durability asked for, and a busy timeout, so a writer that finds
/// the lock taken waits inside SQLite instead of Microsoft.Data.Sqlite's 150 ms sleeps (docs/performance.md,
/// "Ninth profile"). Real SQLite files.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-sqlite-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(SqliteDurability.Normal, 1)]
    [InlineData(SqliteDurability.Full, 2)]
    public async Task Every_connection_of_the_pool_gets_the_durability_and_the_busy_timeout(SqliteDurability durability, long synchronous)
    {
        var database = new SqliteDatabase(Path.Combine(_directory, $"{durability}.db"), durability);

        // Two open at once: two physical connections, each configured on its first open.
        await using var first = await database.OpenAsync();
        await using var second = await database.OpenAsync();

        foreach (var connection in new[] { first, second })
        {
            Assert.Equal((long)SqliteDatabase.BusyTimeout.TotalMilliseconds, await PragmaAsync(connection, "busy_timeout"));
            Assert.Equal(synchronous, await PragmaAsync(connection, "synchronous"));
        }
    }

    [Fact]
    public async Task Two_databases_on_one_file_write_at_once_and_lose_nothing()
    {
        var file = Path.Combine(_directory, "shared.db");
        var (one, other) = (new SqliteDatabase(file), new SqliteDatabase(file));
        await using (var connection = await one.OpenAsync())
            await ExecuteAsync(connection, "CREATE TABLE t (writer INTEGER, n INTEGER)");

        await Task.WhenAll(WriteAsync(one, 1), WriteAsync(other, 2));

        await using var reader = await one.OpenAsync();
        Assert.Equal(2 * 50 * 20, await ScalarAsync(reader, "SELECT count(*) FROM t"));
    }

    /// <summary>50 transactions of 20 rows, each taking the write lock (what a store writer's group does).</summary>
    private static async Task WriteAsync(SqliteDatabase database, int writer)
    {
        await Task.Yield();
        for (var i = 0; i < 50; i++)
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            for (var n = 0; n < 20; n++)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"INSERT INTO t VALUES ({writer}, {n})";
                await command.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
    }

    private static Task<long> PragmaAsync(DbConnection connection, string pragma) => ScalarAsync(connection, $"PRAGMA {pragma}");

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
