using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>The store suite on SQLite: each test gets its own migrated messages.db.</summary>
public sealed class SqliteMessageStoreTests : MessageStoreSuite, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-messages-").FullName;
    private int _stores;

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        var file = Path.Combine(_directory, $"{Interlocked.Increment(ref _stores)}-{MessagesDatabase.FileName}");
        var database = new MessagesDatabase(new SqliteDatabase(file));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return new SqliteMessageStore(database);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
