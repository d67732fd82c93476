using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Security;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>
/// Encryption at rest on SQLite: the whole store suite through <see cref="EncryptingMessageStore"/> (it must behave
/// exactly as the bare store), then what is on disk, rotation and unreadable texts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EncryptedSqliteMessageStoreTests : MessageStoreSuite, IDisposable
{
    private static readonly MessageTextCodec OnA = MessageTextCodecTests.Codec("a", ("a", MessageTextCodecTests.KeyA));
    private static readonly MessageTextCodec OnBKeepingA =
        MessageTextCodecTests.Codec("b", ("a", MessageTextCodecTests.KeyA), ("b", MessageTextCodecTests.KeyB));
    private static readonly MessageTextCodec OnlyB = MessageTextCodecTests.Codec("b", ("b", MessageTextCodecTests.KeyB));

    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-encrypted-").FullName;
    private int _stores;

    protected override async Task<IMessageStore> CreateStoreAsync() => Encrypted(new SqliteMessageStore(await CreateDatabaseAsync()), OnA);

    private static EncryptingMessageStore Encrypted(IMessageStore store, MessageTextCodec codec) =>
        new(store, codec, NullLogger<EncryptingMessageStore>.Instance);

    [Fact]
    public async Task The_database_file_holds_no_plaintext_and_reads_decrypt()
    {
        var (database, file) = await CreateDatabaseWithFileAsync();
        var store = Encrypted(new SqliteMessageStore(database), OnA);
        var message = NewMessage(1, 1, "the launch code is 0000");

        await store.SaveBatchAsync([message]);
        var edited = await store.EditTextAsync(message.Id, "the launch code is 1234", DateTimeOffset.UtcNow);

        Assert.Equal("the launch code is 1234", edited!.Text);
        Assert.Equal("the launch code is 1234", (await store.FindAsync(message.Id))!.Text);
        Assert.Equal("the launch code is 1234", (await store.PageAsync(new MessagePage(1, 10))).Single().Text);
        Assert.StartsWith("enc:v1:a:", await RawTextAsync(database, message.Id));
        var bytes = FileBytes(file);
        Assert.DoesNotContain("launch code", bytes);
        Assert.Contains("enc:v1:a:", bytes);
    }

    [Fact]
    public async Task Texts_written_under_the_old_key_still_read_after_the_current_key_changes()
    {
        var database = await CreateDatabaseAsync();
        var bare = new SqliteMessageStore(database);
        var first = NewMessage(1, 1, "before rotation");
        var second = NewMessage(1, 2, "after rotation");
        await Encrypted(bare, OnA).SaveBatchAsync([first]);

        var rotated = Encrypted(bare, OnBKeepingA);
        await rotated.SaveBatchAsync([second]);

        Assert.StartsWith("enc:v1:a:", await RawTextAsync(database, first.Id));
        Assert.StartsWith("enc:v1:b:", await RawTextAsync(database, second.Id));
        Assert.Equal(["after rotation", "before rotation"], (await rotated.PageAsync(new MessagePage(1, 10))).Select(m => m.Text));
        // An edit re-encrypts under the current key.
        await rotated.EditTextAsync(first.Id, "edited after rotation", DateTimeOffset.UtcNow);
        Assert.StartsWith("enc:v1:b:", await RawTextAsync(database, first.Id));
        Assert.Equal("edited after rotation", (await Encrypted(bare, OnlyB).FindAsync(first.Id))!.Text);
    }

    [Fact]
    public async Task A_text_under_a_removed_key_reads_as_the_placeholder_and_the_rest_of_the_page_still_reads()
    {
        var database = await CreateDatabaseAsync();
        var bare = new SqliteMessageStore(database);
        var old = NewMessage(1, 1, "old secret");
        var current = NewMessage(1, 2, "new text");
        await Encrypted(bare, OnA).SaveBatchAsync([old]);
        var onlyB = Encrypted(bare, OnlyB);
        await onlyB.SaveBatchAsync([current]);

        var page = await onlyB.PageAsync(new MessagePage(1, 10));

        Assert.Equal([current.Text, MessageTextCodec.UnreadablePlaceholder], page.Select(m => m.Text));
        Assert.Equal(MessageTextCodec.UnreadablePlaceholder, (await onlyB.FindAsync(old.Id))!.Text);
        // A preview can never be matched to a text nobody can read; the stored value is left as it was.
        Assert.Null(await new Shoot.Features.Messages.EncryptingUrlPreviewStore(new Shoot.Features.Messages.SqliteUrlPreviewStore(bare), onlyB)
            .SetUrlPreviewAsync(old.Id, MessageTextCodec.UnreadablePlaceholder, null));
        Assert.StartsWith("enc:v1:a:", await RawTextAsync(database, old.Id));
    }

    [Fact]
    public async Task A_row_whose_stored_value_was_changed_reads_as_the_placeholder()
    {
        var database = await CreateDatabaseAsync();
        var store = Encrypted(new SqliteMessageStore(database), OnA);
        var victim = NewMessage(1, 1, "mine");
        var other = NewMessage(1, 2, "someone else's");
        await store.SaveBatchAsync([victim, other]);

        // Someone with write access to the file copies another message's sealed text onto this one.
        await using (var connection = await database.Sqlite.OpenAsync())
            await connection.ExecuteAsync("UPDATE messages SET text = (SELECT text FROM messages WHERE id = @other) WHERE id = @victim",
                new { other = other.Id, victim = victim.Id });

        Assert.Equal(MessageTextCodec.UnreadablePlaceholder, (await store.FindAsync(victim.Id))!.Text);
    }

    [Fact]
    public async Task Without_keys_the_store_is_the_bare_one_and_rows_hold_the_text_as_sent()
    {
        var database = await CreateDatabaseAsync();
        var services = new ServiceCollection().AddSingleton(MessageTextCodec.Off).BuildServiceProvider();
        var bare = new SqliteMessageStore(database);

        var store = EncryptingMessageStore.Over(bare, services);
        var message = NewMessage(1, 1, "as sent");
        await store.SaveBatchAsync([message]);

        Assert.Same(bare, store);
        Assert.Equal("as sent", await RawTextAsync(database, message.Id));
    }

    [Fact]
    public async Task A_seq_conflict_names_the_refused_messages_with_their_plain_text()
    {
        var store = await CreateStoreAsync();
        var first = NewMessage(1, 1, "first");
        await store.SaveBatchAsync([first]);
        var clash = NewMessage(1, 1, "clash");

        var refused = await Assert.ThrowsAsync<MessageSeqConflictException>(() => store.SaveBatchAsync([clash]));

        Assert.Equal("clash", refused.Refused.Single().Text);
    }

    internal static StoredMessage NewMessage(long room, long seq, string text)
    {
        var at = DateTimeOffset.UtcNow;
        return new StoredMessage { Id = MessageId.New(at.AddMilliseconds(seq)), RoomId = room, Seq = seq, SenderId = 7, Text = text, CreatedAt = at, UpdatedAt = at };
    }

    /// <summary>Every byte SQLite wrote for the database: the file and its write-ahead log.</summary>
    internal static string FileBytes(string file)
    {
        var text = new StringBuilder();
        foreach (var path in new[] { file, file + "-wal" }.Where(File.Exists))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            text.Append(Encoding.Latin1.GetString(memory.ToArray()));
        }
        return text.ToString();
    }

    private static async Task<string> RawTextAsync(MessagesDatabase database, string id)
    {
        await using var connection = await database.Sqlite.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT text FROM messages WHERE id = @id", new { id }) ?? "";
    }

    private async Task<MessagesDatabase> CreateDatabaseAsync() => (await CreateDatabaseWithFileAsync()).Database;

    private async Task<(MessagesDatabase Database, string File)> CreateDatabaseWithFileAsync()
    {
        var file = Path.Combine(_directory, $"{Interlocked.Increment(ref _stores)}-{MessagesDatabase.FileName}");
        var database = new MessagesDatabase(new SqliteDatabase(file));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return (database, file);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>The store suite through <see cref="EncryptingMessageStore"/> on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it).</summary>
[Trait("Category", "Integration")]
public sealed class EncryptedMongoMessageStoreTests(MongoFixture mongo) : MessageStoreSuite, IClassFixture<MongoFixture>
{
    private static readonly MessageTextCodec OnA = MessageTextCodecTests.Codec("a", ("a", MessageTextCodecTests.KeyA));

    protected override async Task<IMessageStore> CreateStoreAsync() =>
        new EncryptingMessageStore(await BareAsync(), OnA, NullLogger<EncryptingMessageStore>.Instance);

    private IMongoCollection<BsonDocument>? _collection;

    private async Task<MongoMessageStore> BareAsync()
    {
        mongo.SkipIfUnavailable();
        _collection = mongo.CreateDatabase().GetCollection<BsonDocument>(MongoMessageStore.CollectionName);
        var store = new MongoMessageStore(_collection, "test");
        await store.EnsureIndexesAsync();
        return store;
    }

    [SkippableFact]
    public async Task The_document_holds_the_envelope_and_reads_decrypt()
    {
        var store = await CreateStoreAsync();
        var message = EncryptedSqliteMessageStoreTests.NewMessage(1, 1, "the launch code is 0000");

        await store.SaveBatchAsync([message]);

        var raw = await _collection!.Find(new BsonDocument("_id", ObjectId.Parse(message.Id))).FirstAsync();
        Assert.StartsWith("enc:v1:a:", raw["text"].AsString);
        Assert.DoesNotContain("launch code", raw.ToJson());
        Assert.Equal(message.Text, (await store.FindAsync(message.Id))!.Text);
    }
}
