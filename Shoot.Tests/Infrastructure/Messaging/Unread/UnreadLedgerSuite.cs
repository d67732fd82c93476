using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Infrastructure.Messaging.Bus;

namespace Shoot.Tests.Infrastructure.Messaging.Unread;

/// <summary>
/// The unread ledger on both implementations, driven through the real sequencer (which records own seqs as it accepts)
/// and a real SQLite message store (for the part under a room's base). Alice is 1, Bob 2, Carol 3.
/// </summary>
public abstract class UnreadLedgerSuite : IAsyncLifetime
{
    protected const long Alice = 1, Bob = 2, Carol = 3;

    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-unread-").FullName;
    private static long _rooms = Random.Shared.NextInt64(1_000_000, 1_000_000_000);

    protected IMessageStore Store { get; private set; } = null!;
    protected IMessageSequencer Sequencer { get; private set; } = null!;
    protected IUnreadLedger Ledger { get; private set; } = null!;

    /// <summary>A fresh sequencer and ledger over <see cref="Store"/> (a new instance, or the same shared Redis).</summary>
    protected abstract (IMessageSequencer Sequencer, IUnreadLedger Ledger) Create(IMessageStore store);

    public virtual async Task InitializeAsync()
    {
        var database = new MessagesDatabase(new SqliteDatabase(Path.Combine(_directory, MessagesDatabase.FileName)));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        Store = new SqliteMessageStore(database);
        (Sequencer, Ledger) = Create(Store);
    }

    public virtual Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Room ids unique across test runs, so tests sharing one Redis never meet.</summary>
    protected static long NewRoom() => Interlocked.Increment(ref _rooms);

    protected async Task<long> AcceptAsync(long roomId, long senderId)
    {
        var outcome = await Sequencer.AcceptAsync(AcceptRequests.For(new SendKey(roomId, senderId, null)));
        return outcome.Record.Seq;
    }

    protected async Task<long> CountAsync(long roomId, long userId, long readSeq) =>
        (await Ledger.RefreshRoomAsync(roomId, [new ReaderSeq(userId, readSeq, MemberId: 1)])).Single().Count;

    [Fact]
    public async Task Messages_count_for_everyone_but_their_sender_the_moment_they_are_accepted()
    {
        var room = NewRoom();
        for (var i = 0; i < 3; i++)
            await AcceptAsync(room, Alice);
        await AcceptAsync(room, Bob);

        // Nothing is stored: the counts come from the seqs alone.
        Assert.Equal(0, await Store.MaxSeqAsync(room));
        var counts = await Ledger.RefreshRoomAsync(room, [new ReaderSeq(Alice, 0, MemberId: 1), new ReaderSeq(Bob, 0, MemberId: 1), new ReaderSeq(Carol, 0, MemberId: 1)]);
        Assert.Equal([1L, 3L, 4L], counts.OrderBy(c => c.UserId).Select(c => c.Count));
        Assert.All(counts, c => Assert.Equal(room, c.RoomId));
    }

    [Fact]
    public async Task A_position_moves_forward_only_and_the_readers_own_messages_after_it_never_count()
    {
        var room = NewRoom();
        await AcceptAsync(room, Alice); // 1
        await AcceptAsync(room, Bob);   // 2
        await AcceptAsync(room, Alice); // 3
        await AcceptAsync(room, Bob);   // 4
        await AcceptAsync(room, Alice); // 5

        Assert.Equal(2, await CountAsync(room, Bob, 1));
        Assert.Equal(1, await CountAsync(room, Bob, 3));
        // A stale position (a list read before the last read landed) does not move it back.
        Assert.Equal(1, await CountAsync(room, Bob, 1));
        Assert.Equal(0, await CountAsync(room, Bob, 5));
        Assert.Equal(2, await CountAsync(room, Alice, 0));
    }

    [Fact]
    public async Task Gone_messages_count_for_nobody_and_a_senders_own_gone_message_is_not_taken_off_twice()
    {
        var room = NewRoom();
        var a1 = await AcceptAsync(room, Alice);
        await AcceptAsync(room, Alice);
        var a3 = await AcceptAsync(room, Alice);
        await AcceptAsync(room, Bob);

        await Ledger.MarkGoneAsync(room, a3, Alice);
        await Ledger.MarkGoneAsync(room, a3, Alice); // idempotent
        Assert.Equal(2, await CountAsync(room, Bob, 0));
        Assert.Equal(3, await CountAsync(room, Carol, 0));

        await Ledger.MarkGoneAsync(room, a1, Alice);
        Assert.Equal(1, await CountAsync(room, Alice, 0));
        Assert.Equal(1, await CountAsync(room, Bob, 0));
    }

    [Fact]
    public async Task History_older_than_the_ledger_is_counted_by_the_store_including_its_deletes()
    {
        var room = NewRoom();
        // Five messages stored before this ledger ever saw the room (a restart): 1, 3, 5 from Alice, 2 from Bob, 4 deleted.
        var stored = Enumerable.Range(1, 5).Select(seq => StoredMessageOf(room, seq, seq == 2 ? Bob : Alice)).ToList();
        stored[3] = stored[3] with { IsDeleted = true, Text = "" };
        await Store.SaveBatchAsync(stored);

        Assert.Equal(3, await CountAsync(room, Bob, 0));
        var six = await AcceptAsync(room, Alice);
        Assert.Equal(6, six);
        Assert.Equal(4, await CountAsync(room, Bob, 0));
        Assert.Equal(2, await CountAsync(room, Carol, 3)); // seq 5, and 6 above the base; 4 is deleted

        // A delete under the base: the store's part is counted again.
        await Store.SoftDeleteAsync(stored[4].Id, DateTimeOffset.UtcNow);
        await Ledger.MarkGoneAsync(room, 5, Alice);
        Assert.Equal(3, await CountAsync(room, Bob, 0));
        Assert.Equal(1, await CountAsync(room, Carol, 3));
        // Reading past the base leaves the store out of it.
        Assert.Equal(0, await CountAsync(room, Bob, 6));
    }

    [Fact]
    public async Task Totals_are_held_once_primed_and_follow_deliveries_reads_and_leaving()
    {
        var (one, two) = (NewRoom(), NewRoom());
        await AcceptAsync(one, Alice);
        await AcceptAsync(two, Alice);
        await AcceptAsync(two, Alice);

        // Not primed: no total yet.
        Assert.Null((await Ledger.RefreshRoomAsync(one, [new ReaderSeq(Bob, 0, MemberId: 1)])).Single().Total);

        var primed = await Ledger.RefreshUserAsync(Bob, [new RoomReadSeq(one, 0, MemberId: 1), new RoomReadSeq(two, 0, MemberId: 1)]);
        Assert.Equal([1L, 2L], primed.OrderBy(c => c.RoomId).Select(c => c.Count));
        Assert.All(primed, c => Assert.Equal(3, c.Total));

        await AcceptAsync(one, Alice);
        Assert.Equal(new UnreadCount(Bob, one, 2, 4), (await Ledger.RefreshRoomAsync(one, [new ReaderSeq(Bob, 0, MemberId: 1)])).Single());
        Assert.Equal(new UnreadCount(Bob, two, 0, 2), (await Ledger.RefreshRoomAsync(two, [new ReaderSeq(Bob, 2, MemberId: 1)])).Single());

        Assert.Equal(0, await Ledger.ForgetAsync(Bob, one));
        // A delivery counted from a participant list read just before Bob left does not bring the room back.
        Assert.Empty(await Ledger.RefreshRoomAsync(one, [new ReaderSeq(Bob, 0, MemberId: 1)]));
        // Being added again (a new membership) does, from no position: both of Alice's messages.
        Assert.Equal(new UnreadCount(Bob, one, 2, 2), (await Ledger.RefreshRoomAsync(one, [new ReaderSeq(Bob, 0, MemberId: 2)])).Single());
    }

    [Fact]
    public async Task A_position_from_before_a_leave_and_rejoin_does_not_carry_over()
    {
        var room = NewRoom();
        await AcceptAsync(room, Alice);
        await AcceptAsync(room, Alice);
        Assert.Equal(0, await CountAsync(room, Bob, 2)); // membership 1 read both

        await Ledger.ForgetAsync(Bob, room);
        var rejoined = (await Ledger.RefreshRoomAsync(room, [new ReaderSeq(Bob, 0, MemberId: 5)])).Single();
        Assert.Equal(2, rejoined.Count);
        // A count started before the leave (membership 1, position 2) lands late: it is stale and changes nothing.
        Assert.Empty(await Ledger.RefreshRoomAsync(room, [new ReaderSeq(Bob, 2, MemberId: 1)]));
        Assert.Equal(2, (await Ledger.RefreshRoomAsync(room, [new ReaderSeq(Bob, 0, MemberId: 5)])).Single().Count);
    }

    [Fact]
    public async Task Priming_again_drops_rooms_the_user_is_no_longer_in()
    {
        var (one, two) = (NewRoom(), NewRoom());
        await AcceptAsync(one, Alice);
        await AcceptAsync(two, Alice);
        await Ledger.RefreshUserAsync(Carol, [new RoomReadSeq(one, 0, MemberId: 1), new RoomReadSeq(two, 0, MemberId: 1)]);

        var again = await Ledger.RefreshUserAsync(Carol, [new RoomReadSeq(two, 0, MemberId: 1)]);

        Assert.Equal(new UnreadCount(Carol, two, 1, 1), again.Single());
        Assert.Null(await Ledger.ForgetAsync(Alice, one)); // never primed: no total to tell
    }

    [Fact]
    public async Task Concurrent_sends_reads_and_deletes_end_in_the_exact_count()
    {
        var room = NewRoom();
        var sent = new System.Collections.Concurrent.ConcurrentBag<(long Seq, long Sender)>();
        var gone = new System.Collections.Concurrent.ConcurrentBag<long>();
        // Bob reads up to 39 while four writers send 200 messages (a third of them his) and take every tenth one back.
        var reads = Task.Run(async () =>
        {
            for (var r = 0; r < 40; r++)
                await CountAsync(room, Bob, r);
        });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var sender = (worker + i) % 3 == 0 ? Bob : Alice;
                var seq = await AcceptAsync(room, sender);
                sent.Add((seq, sender));
                if (i % 10 == 0)
                {
                    await Ledger.MarkGoneAsync(room, seq, sender);
                    gone.Add(seq);
                }
            }
        })).Append(reads));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), sent.Select(s => s.Seq).Order());
        long Expected(long reader) => sent.Count(s => s.Sender != reader && s.Seq > 39 && !gone.Contains(s.Seq));
        Assert.Equal(Expected(Bob), await CountAsync(room, Bob, 0));
        Assert.Equal(Expected(Carol), await CountAsync(room, Carol, 39));
        Assert.Equal(sent.Count(s => s.Sender != Alice && !gone.Contains(s.Seq)), await CountAsync(room, Alice, 0));
    }

    protected static StoredMessage StoredMessageOf(long roomId, long seq, long senderId)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-10).AddSeconds(seq);
        return new StoredMessage
        {
            Id = MessageId.New(at), RoomId = roomId, Seq = seq, SenderId = senderId, Text = $"m{seq}", CreatedAt = at, UpdatedAt = at,
        };
    }
}
