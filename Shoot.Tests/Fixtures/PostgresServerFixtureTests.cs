using Npgsql;

namespace Shoot.Tests.Fixtures;

[Trait("Category", "Integration")]
public sealed class PostgresServerFixtureTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task Runs_queries_on_the_real_server()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database(), current_setting('fsync'), inet_server_port()", connection);
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal("shoot", reader.GetString(0));
        Assert.Equal("off", reader.GetString(1));
        Assert.Equal(postgres.Port, reader.GetInt32(2));
    }

    [Fact]
    public async Task Each_created_database_is_new_and_empty()
    {
        var first = await postgres.CreateDatabaseAsync();
        var second = await postgres.CreateDatabaseAsync();
        await ExecuteAsync(first, "CREATE TABLE marker (id int); INSERT INTO marker VALUES (42)");

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        Assert.Equal(42, await ScalarAsync(first, "SELECT id FROM marker"));
        Assert.Equal(0L, await ScalarAsync(second, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
