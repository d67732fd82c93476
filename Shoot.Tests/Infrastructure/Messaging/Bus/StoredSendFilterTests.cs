using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// The filter of stored sends: it must never say no for a send added within the window (a retry would become a second
/// message), may say yes for a few it never saw (each costs a store lookup), and must forget with time.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StoredSendFilterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static SendKey Key(int i) => new(RoomId: i % 97, SenderId: i % 1_009, TempId: $"tmp-{i}");

    [Fact]
    public void Every_send_added_within_the_window_is_found_and_few_others_are()
    {
        var filter = new StoredSendFilter(Window);
        const int Added = 300_000;
        // Spread over most of the window, so the keys span generations of several sizes.
        for (var i = 0; i < Added; i++)
            filter.Add(Key(i), Start + TimeSpan.FromSeconds(i * 0.25));
        var now = Start + TimeSpan.FromSeconds(Added * 0.25);

        for (var i = 0; i < Added; i++)
            Assert.True(filter.MightContain(Key(i), now), $"send {i} was added and must be found");
        var falsePositives = Enumerable.Range(Added, 100_000).Count(i => filter.MightContain(Key(i), now));
        Assert.InRange(falsePositives, 0, 2_000);
        // A few bytes a send, not hundreds.
        Assert.InRange(filter.Bytes, 1, Added * 4L);
    }

    [Fact]
    public void A_send_is_forgotten_a_window_after_it_was_added_and_its_generation_is_dropped()
    {
        var filter = new StoredSendFilter(Window);
        filter.Add(Key(1), Start);

        Assert.True(filter.MightContain(Key(1), Start + Window - TimeSpan.FromSeconds(1)));
        Assert.False(filter.MightContain(Key(1), Start + Window));

        // The next add after that starts a new generation and leaves the old one behind.
        filter.Add(Key(2), Start + Window + TimeSpan.FromHours(2));
        Assert.Equal(1, filter.GenerationCount);
        Assert.True(filter.MightContain(Key(2), Start + Window + TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_busy_server_keeps_few_generations_because_they_grow_with_the_traffic()
    {
        var filter = new StoredSendFilter(Window);
        // Two million sends within one minute: generations double from 4,096 keys instead of multiplying.
        for (var i = 0; i < 2_000_000; i++)
            filter.Add(Key(i), Start + TimeSpan.FromTicks(i * 300L));

        Assert.InRange(filter.GenerationCount, 1, 12);
        Assert.True(filter.MightContain(Key(0), Start + TimeSpan.FromMinutes(1)));
        Assert.True(filter.MightContain(Key(1_999_999), Start + TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Room_sender_and_tempId_all_tell_sends_apart()
    {
        var filter = new StoredSendFilter(Window);
        filter.Add(new SendKey(1, 2, "t"), Start);

        Assert.True(filter.MightContain(new SendKey(1, 2, "t"), Start));
        Assert.NotEqual(StoredSendFilter.Hash(new SendKey(1, 2, "t")), StoredSendFilter.Hash(new SendKey(2, 2, "t")));
        Assert.NotEqual(StoredSendFilter.Hash(new SendKey(1, 2, "t")), StoredSendFilter.Hash(new SendKey(1, 3, "t")));
        Assert.NotEqual(StoredSendFilter.Hash(new SendKey(1, 2, "t")), StoredSendFilter.Hash(new SendKey(1, 2, "u")));
    }
}
