using MongoDB.Bson;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Support;

/// <summary>
/// One message store and the feature stores written against the same table or collection (pins, reactions, previews),
/// as the app pairs them (<see cref="MessagePartStores"/>): what the store suites run on.
/// </summary>
public sealed record MessageBackend(IMessageStore Messages, IPinStore Pins, IReactionStore Reactions, IUrlPreviewStore Previews)
{
    public static MessageBackend On(SqliteMessageStore store) =>
        new(store, new SqlitePinStore(store), new SqliteReactionStore(store), new SqliteUrlPreviewStore(store));

    /// <summary>The stores as the app pairs them with encryption at rest on: each behind its encrypting decorator.</summary>
    public static MessageBackend Encrypted(SqliteMessageStore store, MessageTextCodec codec)
    {
        var seal = new EncryptingMessageStore(store, codec, NullLogger<EncryptingMessageStore>.Instance);
        return new(seal, new EncryptingPinStore(new SqlitePinStore(store), seal), new EncryptingReactionStore(new SqliteReactionStore(store), seal),
            new EncryptingUrlPreviewStore(new SqliteUrlPreviewStore(store), seal));
    }

    public static MessageBackend On(MongoMessageStore store) =>
        new(store, new MongoPinStore(store), new MongoReactionStore(store), new MongoUrlPreviewStore(store));

    /// <summary>A backend on a fresh MongoDB database (<see cref="MongoStoreAsync"/>).</summary>
    public static async Task<MessageBackend> OnMongoAsync(MongoFixture mongo) => On(await MongoStoreAsync(mongo));

    /// <summary>A fresh database of <paramref name="mongo"/>'s server, indexed; skips the test when no server is configured.</summary>
    public static async Task<MongoMessageStore> MongoStoreAsync(MongoFixture mongo)
    {
        mongo.SkipIfUnavailable();
        var collection = mongo.CreateDatabase().GetCollection<BsonDocument>(MongoMessageStore.CollectionName);
        var store = new MongoMessageStore(collection, "test");
        await store.EnsureIndexesAsync();
        // Starting twice (a second instance, a restart) finds the indexes there and changes nothing.
        await store.EnsureIndexesAsync();
        return store;
    }
}

/// <summary>Migrated messages.db files, one per call, in a temporary folder removed on dispose.</summary>
public sealed class SqliteMessageDatabases : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-messages-").FullName;
    private int _count;

    public async Task<MessagesDatabase> CreateAsync()
    {
        var file = Path.Combine(_directory, $"{Interlocked.Increment(ref _count)}-{MessagesDatabase.FileName}");
        var database = new MessagesDatabase(new SqliteDatabase(file));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return database;
    }

    public async Task<MessageBackend> CreateBackendAsync() => MessageBackend.On(new SqliteMessageStore(await CreateAsync()));

    /// <summary>A backend with encryption at rest on (one key), so every store suite also runs through the decorators.</summary>
    public async Task<MessageBackend> CreateEncryptedBackendAsync() =>
        MessageBackend.Encrypted(new SqliteMessageStore(await CreateAsync()),
            Tests.Infrastructure.Security.MessageTextCodecTests.Codec("a", ("a", Tests.Infrastructure.Security.MessageTextCodecTests.KeyA)));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>
/// A suite of the stores on a <see cref="MessageBackend"/>, run once per backend by subclasses that say how to make one.
/// Each test makes its own, empty (migrated or indexed); the MongoDB one skips the test without a server, so tests are
/// skippable.
/// </summary>
public abstract class MessageBackendSuite(Func<Task<MessageBackend>> createBackend)
{
    protected Task<MessageBackend> CreateBackendAsync() => createBackend();
}
