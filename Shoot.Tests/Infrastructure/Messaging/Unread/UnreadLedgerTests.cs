using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Bus;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Messaging.Unread;

[Trait("Category", "Integration")]
public sealed class InProcessUnreadLedgerTests : UnreadLedgerSuite
{
    protected override (IMessageSequencer Sequencer, IUnreadLedger Ledger) Create(IMessageStore store)
    {
        var sequencer = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), store, TimeProvider.System);
        return (sequencer, new InProcessUnreadLedger(sequencer, store));
    }
}

[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisUnreadLedgerTests(RedisServerFixture redis) : UnreadLedgerSuite
{
    private ConnectionMultiplexer _connection = null!;

    public override async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override (IMessageSequencer Sequencer, IUnreadLedger Ledger) Create(IMessageStore store) =>
        (new RedisMessageSequencer(_connection, store), new RedisUnreadLedger(_connection, store));

    [Fact]
    public async Task A_room_Redis_forgot_starts_its_ledger_again_from_the_store()
    {
        var room = NewRoom();
        await AcceptAsync(room, Alice);
        await AcceptAsync(room, Alice);
        await Store.SaveBatchAsync([StoredMessageOf(room, 1, Alice), StoredMessageOf(room, 2, Alice)]);
        Assert.Equal(2, await CountAsync(room, Bob, 0));

        // Quiet for a week (or Redis lost its data): every key of the room is gone.
        var database = _connection.GetDatabase();
        foreach (var suffix in new[] { "seq", "base", "own", "gone", "recent", "below-version" })
            await database.KeyDeleteAsync($"shoot:room:{room}:{suffix}");

        Assert.Equal(2, await CountAsync(room, Bob, 0));
        Assert.Equal(3, await AcceptAsync(room, Alice));
        Assert.Equal(3, await CountAsync(room, Bob, 0));
        Assert.Equal(1, await CountAsync(room, Bob, 2));
    }

    [Fact]
    public async Task Two_instances_share_one_ledger()
    {
        var room = NewRoom();
        var other = new RedisUnreadLedger(_connection, Store);
        var otherSequencer = new RedisMessageSequencer(_connection, Store);
        await AcceptAsync(room, Alice);
        await otherSequencer.AcceptAsync(AcceptRequests.For(new SendKey(room, Alice, null), destination: "/topic/x"));

        Assert.Equal(2, (await other.RefreshRoomAsync(room, [new ReaderSeq(Bob, 0, MemberId: 1)])).Single().Count);
        await other.MarkGoneAsync(room, 1, Alice);
        Assert.Equal(1, await CountAsync(room, Bob, 0));
    }
}
