using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// The in-memory index of stored sends: a send added within the window must always be among its candidates (a retry
/// would become a second message otherwise), other sends rarely have any (each costs a store read), and it forgets with
/// time, in a few bytes a send.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StoredSendIndexTests
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static SendKey Key(int i) => new(RoomId: i % 97, SenderId: i % 1_009, TempId: $"tmp-{i}");

    [Fact]
    public void Every_send_added_within_the_window_is_found_with_its_seq_and_few_others_have_candidates()
    {
        var index = new StoredSendIndex(Window);
        const int Added = 300_000;
        // Spread over most of the window, so the keys span generations of several sizes.
        for (var i = 0; i < Added; i++)
            index.Add(Key(i), 1_000_000L + i, Start + TimeSpan.FromSeconds(i * 0.25));
        var now = Start + TimeSpan.FromSeconds(Added * 0.25);

        for (var i = 0; i < Added; i++)
        {
            Assert.True(index.MightContain(Key(i), now), $"send {i} was added and must be found");
            Assert.Contains(1_000_000L + i, index.Candidates(Key(i), now));
        }
        var strangers = Enumerable.Range(Added, 100_000).Count(i => index.MightContain(Key(i), now));
        Assert.InRange(strangers, 0, 1_000);
        // Tens of bytes a send at most, not hundreds.
        Assert.InRange(index.Bytes, 1, Added * 24L);
    }

    [Fact]
    public void A_send_is_forgotten_a_window_after_it_was_added_and_its_generation_is_dropped()
    {
        var index = new StoredSendIndex(Window);
        index.Add(Key(1), 5, Start);

        Assert.Equal([5L], index.Candidates(Key(1), Start + Window - TimeSpan.FromSeconds(1)));
        Assert.Empty(index.Candidates(Key(1), Start + Window));
        Assert.False(index.MightContain(Key(1), Start + Window));

        // The next add after that starts a new generation and leaves the old one behind.
        index.Add(Key(2), 6, Start + Window + TimeSpan.FromHours(2));
        Assert.Equal(1, index.GenerationCount);
        Assert.Equal([6L], index.Candidates(Key(2), Start + Window + TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_busy_server_keeps_few_generations_because_they_grow_with_the_traffic()
    {
        var index = new StoredSendIndex(Window);
        // Two million sends within one minute: generations double from 4,096 keys instead of multiplying.
        for (var i = 0; i < 2_000_000; i++)
            index.Add(Key(i), i, Start + TimeSpan.FromTicks(i * 300L));

        Assert.InRange(index.GenerationCount, 1, 12);
        Assert.Contains(0L, index.Candidates(Key(0), Start + TimeSpan.FromMinutes(1)));
        Assert.Contains(1_999_999L, index.Candidates(Key(1_999_999), Start + TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void The_same_send_stored_twice_in_one_generation_is_one_entry_and_seqs_beyond_40_bits_are_not_kept()
    {
        var index = new StoredSendIndex(Window);
        index.Add(Key(1), 7, Start);
        index.Add(Key(1), 7, Start);
        index.Add(Key(2), 1L << 40, Start);

        Assert.Equal([7L], index.Candidates(Key(1), Start));
        Assert.Empty(index.Candidates(Key(2), Start));
    }

    [Fact]
    public void A_snapshot_holds_every_send_and_a_damaged_one_adds_nothing()
    {
        var index = new StoredSendIndex(Window);
        for (var i = 0; i < 50_000; i++)
            index.Add(Key(i), i + 1, Start + TimeSpan.FromSeconds(i));
        using var snapshot = new MemoryStream();
        index.WriteTo(new BinaryWriter(snapshot));

        var restored = new StoredSendIndex(Window);
        restored.Add(Key(-1), 99, Start + TimeSpan.FromSeconds(50_000));
        snapshot.Position = 0;
        restored.ReadFrom(new BinaryReader(snapshot));

        var now = Start + TimeSpan.FromSeconds(50_000);
        Assert.Equal(index.GenerationCount + 1, restored.GenerationCount);
        for (var i = 0; i < 50_000; i++)
            Assert.Contains(i + 1L, restored.Candidates(Key(i), now));
        Assert.Equal([99L], restored.Candidates(Key(-1), now));

        var truncated = new StoredSendIndex(Window);
        Assert.Throws<EndOfStreamException>(() => truncated.ReadFrom(new BinaryReader(new MemoryStream(snapshot.ToArray()[..^100]))));
        Assert.Equal(0, truncated.GenerationCount);
        Assert.Throws<InvalidDataException>(() => new StoredSendIndex(TimeSpan.FromHours(1)).ReadFrom(new BinaryReader(new MemoryStream(snapshot.ToArray()))));
    }

    [Fact]
    public void Room_sender_and_tempId_all_tell_sends_apart()
    {
        Assert.NotEqual(StoredSendIndex.Hash(new SendKey(1, 2, "t")), StoredSendIndex.Hash(new SendKey(2, 2, "t")));
        Assert.NotEqual(StoredSendIndex.Hash(new SendKey(1, 2, "t")), StoredSendIndex.Hash(new SendKey(1, 3, "t")));
        Assert.NotEqual(StoredSendIndex.Hash(new SendKey(1, 2, "t")), StoredSendIndex.Hash(new SendKey(1, 2, "u")));
    }
}
