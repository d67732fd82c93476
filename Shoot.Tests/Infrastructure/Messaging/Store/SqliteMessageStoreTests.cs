using Dapper;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Security;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>The store suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteMessageStoreTests : MessageStoreSuite, IDisposable
{
    private const string Id = "6b071ea5efdcf4691a7309a0";

    private readonly SqliteMessageDatabases _databases = new();

    protected override async Task<IMessageStore> CreateStoreAsync() => new SqliteMessageStore(await CreateDatabaseAsync());

    public static TheoryData<MessagePage, string> Pages => new()
    {
        { new MessagePage(1, 50), "ix_messages_room_id" },
        { new MessagePage(1, 50, BeforeId: Id, AfterId: Id), "ix_messages_room_id" },
        { new MessagePage(1, 50, AfterSeq: 3), "ux_messages_room_seq" },
        { new MessagePage(1, 50, ThreadId: Id), "ix_messages_thread_id" },
        { new MessagePage(1, 50, BeforeId: Id, ThreadId: Id), "ix_messages_thread_id" },
    };

    [Fact]
    public async Task The_unread_count_is_an_index_range_of_the_room()
    {
        await using var connection = await (await CreateDatabaseAsync()).Sqlite.OpenAsync();

        var steps = await connection.QueryAsync($"EXPLAIN QUERY PLAN {SqliteMessageStore.UnreadSql}",
            new { roomId = 1, afterSeq = 3, upToSeq = 9, excludeSenderId = 7 });

        Assert.StartsWith("SEARCH messages USING INDEX ux_messages_room_seq ", string.Join(" | ", steps.Select(step => (string)step.detail)));
    }

    [Fact]
    public async Task The_highest_seq_counts_messages_still_waiting_in_the_outbox()
    {
        // After a crash the outbox may hold accepted messages not stored yet: a counter started from here must pass them.
        var database = await CreateDatabaseAsync();
        var store = new SqliteMessageStore(database);
        var at = DateTimeOffset.UtcNow;
        StoredMessage Message(long room, long seq) => new()
        {
            Id = MessageId.New(at.AddSeconds(seq)), RoomId = room, Seq = seq, SenderId = 7, Text = "t", CreatedAt = at, UpdatedAt = at,
        };
        await store.SaveBatchAsync([Message(1, 1), Message(1, 2), Message(2, 5)]);
        await using (var connection = await database.Sqlite.OpenAsync())
        {
            foreach (var queued in new[] { Message(1, 3), Message(1, 4) })
            {
                await connection.ExecuteAsync("INSERT INTO outbox (message_id, room_id, payload, enqueued_at) VALUES (@Id, @RoomId, @Payload, 0)",
                    new { queued.Id, queued.RoomId, Payload = System.Text.Encoding.UTF8.GetString(PipelineRecord.Encode(queued, MessageTextCodec.Off)) });
            }
        }

        Assert.Equal(4, await store.MaxSeqAsync(1));
        Assert.Equal(5, await store.MaxSeqAsync(2));
        Assert.Equal(0, await store.MaxSeqAsync(3));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_shape_is_served_by_an_index_in_its_order(MessagePage page, string index)
    {
        await using var connection = await (await CreateDatabaseAsync()).Sqlite.OpenAsync();

        var steps = await connection.QueryAsync($"EXPLAIN QUERY PLAN {SqliteMessageStore.PageSql(page)}", page);
        var plan = string.Join(" | ", steps.Select(step => (string)step.detail));

        // One index search, and no sort step: the index already yields the page's order, so a page reads about Limit rows.
        Assert.StartsWith($"SEARCH messages USING INDEX {index} ", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    private Task<MessagesDatabase> CreateDatabaseAsync() => _databases.CreateAsync();

    public void Dispose() => _databases.Dispose();
}
