using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>messages.db: its own migrations, safe to run twice and concurrently; and which store AddMessageStore picks.</summary>
[Trait("Category", "Integration")]
public sealed class MessagesDatabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-messages-db-").FullName;

    [Fact]
    public async Task Messages_migrations_run_concurrently_and_twice_without_harm()
    {
        var file = Path.Combine(_directory, MessagesDatabase.FileName);
        var databases = Enumerable.Range(0, 4).Select(_ => new MessagesDatabase(new SqliteDatabase(file))).ToList();

        await Task.WhenAll(databases.Select(db => Task.Run(() => db.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync())));
        await databases[0].Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

        await using var connection = await databases[0].Sqlite.OpenAsync();
        var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(DatabaseMigrator.Scripts(MessagesDatabase.ScriptSet).Select(s => s.Version), applied);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM messages"));
        var indexes = await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name");
        Assert.Equal(["ix_messages_room_id", "ix_messages_room_pinned", "ix_messages_thread_id", "ux_messages_room_seq"], indexes);
        // Only thread replies are in the thread index: the other messages' inserts skip it (0004).
        Assert.EndsWith("WHERE thread_id IS NOT NULL", await connection.ExecuteScalarAsync<string>(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_messages_thread_id'"));
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
    }

    [Fact]
    public void The_messages_script_set_is_its_own_numbered_from_one()
    {
        var messages = DatabaseMigrator.Scripts(MessagesDatabase.ScriptSet);
        var relational = DatabaseMigrator.Scripts(SqlDialect.Sqlite);

        Assert.Equal(1, messages[0].Version);
        Assert.Equal(messages.Count, messages.Select(s => s.Version).Distinct().Count());
        Assert.Contains(messages, s => s.Sql.Contains("CREATE TABLE messages", StringComparison.Ordinal));
        Assert.DoesNotContain(relational, s => s.Sql.Contains("CREATE TABLE messages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_script_set_with_no_scripts_fails_instead_of_migrating_nothing()
    {
        var database = new SqliteDatabase(Path.Combine(_directory, "typo.db"));
        var migrator = new DatabaseMigrator(database, "MessagesSqlitee", NullLogger<DatabaseMigrator>.Instance);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync());
        Assert.Contains("MessagesSqlitee", failure.Message);
    }

    [Fact]
    public async Task Without_mongo_the_store_is_sqlite_in_messages_db_ready_after_start()
    {
        using var provider = Services(new ConnectionStringsOptions());
        foreach (var hosted in provider.GetServices<IHostedService>())
            await hosted.StartAsync(CancellationToken.None);

        var store = provider.GetRequiredService<IMessageStore>();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1764092703120);
        var message = new StoredMessage { Id = MessageId.New(at), RoomId = 1, Seq = 1, SenderId = 2, Text = "hi", CreatedAt = at, UpdatedAt = at };
        await store.SaveBatchAsync([message]);

        Assert.IsType<SqliteMessageStore>(store);
        Assert.Equal("hi", (await store.FindAsync(message.Id))?.Text);
        Assert.True(File.Exists(Path.Combine(_directory, MessagesDatabase.FileName)));
        Assert.False(File.Exists(Path.Combine(_directory, "shoot.db")));
    }

    [Fact]
    public void Messages_db_registers_once_however_many_adapters_ask_for_it()
    {
        var services = new ServiceCollection();
        services.AddMessagesDatabase();
        services.AddMessagesDatabase();

        Assert.Single(services, d => d.ServiceType == typeof(MessagesDatabase));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Theory]
    [InlineData("mongodb://shoot:secret@db.example:27017/chat?authSource=admin", "MongoDB (db.example:27017/chat, collection messages)")]
    [InlineData("mongodb://a.example,b.example:27018", "MongoDB (a.example:27017,b.example:27018/shoot, collection messages)")]
    public void With_mongo_the_store_is_mongodb_on_the_named_database_described_without_secrets(string connectionString, string description)
    {
        // Resolving connects to nothing: the driver connects on first use, and index creation waits for start.
        using var provider = Services(new ConnectionStringsOptions { Mongo = connectionString });

        var store = Assert.IsType<MongoMessageStore>(provider.GetRequiredService<IMessageStore>());
        Assert.Equal(description, store.Description);
        Assert.False(File.Exists(Path.Combine(_directory, MessagesDatabase.FileName)));
    }

    private ServiceProvider Services(ConnectionStringsOptions connections)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddOptions<ShootOptions>().Configure(o => o.DataDirectory = _directory);
        services.AddMessageStore(connections);
        return services.BuildServiceProvider();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
