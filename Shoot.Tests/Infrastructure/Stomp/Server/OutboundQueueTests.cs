using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>
/// The session's outbound queue: order, its bound, completion, and the waiting reader woken by a write or a completion
/// (on the writer's thread, as the writer loop relies on).
/// </summary>
[Trait("Category", "Unit")]
public class OutboundQueueTests
{
    [Fact]
    public void Items_come_out_in_order_across_growth_and_wrap_around()
    {
        var queue = new OutboundQueue<int>(100);
        var next = 0;
        var expected = 0;
        // Interleave writes and reads so the ring wraps and grows several times.
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < round + 3; i++) Assert.True(queue.TryWrite(next++));
            for (var i = 0; i < round + 1; i++)
            {
                Assert.True(queue.TryRead(out var item));
                Assert.Equal(expected++, item);
            }
        }
        while (queue.TryRead(out var item)) Assert.Equal(expected++, item);
        Assert.Equal(next, expected);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_full_queue_refuses_until_an_item_is_read()
    {
        var queue = new OutboundQueue<string>(3);
        Assert.True(queue.TryWrite("a"));
        Assert.True(queue.TryWrite("b"));
        Assert.True(queue.TryWrite("c"));
        Assert.False(queue.TryWrite("d"));
        Assert.Equal(3, queue.Count);

        Assert.True(queue.TryRead(out var first));
        Assert.Equal("a", first);
        Assert.True(queue.TryWrite("d"));
        Assert.Equal(["b", "c", "d"], Drain(queue));
    }

    [Fact]
    public async Task A_completed_queue_refuses_writes_and_the_reader_still_gets_what_was_queued()
    {
        var queue = new OutboundQueue<int>(10);
        queue.TryWrite(1);
        queue.TryWrite(2);
        Assert.True(queue.TryComplete());
        Assert.False(queue.TryComplete());
        Assert.False(queue.TryWrite(3));

        Assert.True(await queue.WaitToReadAsync());
        Assert.Equal([1, 2], Drain(queue));
        Assert.False(await queue.WaitToReadAsync());
    }

    [Fact]
    public async Task A_write_wakes_the_waiting_reader_on_the_writers_thread()
    {
        var queue = new OutboundQueue<int>(10);
        var woken = new TaskCompletionSource<int>();
        var reader = ReadOneAsync();
        Assert.False(reader.IsCompleted);

        var writerThread = Environment.CurrentManagedThreadId;
        Assert.True(queue.TryWrite(7));
        // The continuation ran inside TryWrite, before it returned.
        Assert.True(woken.Task.IsCompleted);
        Assert.Equal(writerThread, await woken.Task);
        Assert.Equal(7, await reader);

        async Task<int> ReadOneAsync()
        {
            // Without the test framework's synchronization context, as the server's writer loops run.
            Assert.True(await queue.WaitToReadAsync().ConfigureAwait(false));
            woken.SetResult(Environment.CurrentManagedThreadId);
            Assert.True(queue.TryRead(out var item));
            return item;
        }
    }

    [Fact]
    public async Task Completion_wakes_the_waiting_reader_with_false_and_it_can_wait_again_many_times_before()
    {
        var queue = new OutboundQueue<int>(10);
        // The same reusable wait, woken by writes many times over.
        for (var i = 0; i < 100; i++)
        {
            var wait = queue.WaitToReadAsync();
            Assert.False(wait.IsCompleted);
            var writer = Task.Run(() => queue.TryWrite(i));
            Assert.True(await wait);
            Assert.True(await writer);
            Assert.True(queue.TryRead(out var item));
            Assert.Equal(i, item);
        }

        var last = queue.WaitToReadAsync();
        Assert.False(last.IsCompleted);
        queue.TryComplete();
        Assert.False(await last);
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing_and_keep_each_writers_order()
    {
        const int writers = 4, perWriter = 5_000;
        var queue = new OutboundQueue<(int Writer, int Seq)>(writers * perWriter);
        var received = new List<(int Writer, int Seq)>();
        var reading = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync())
                while (queue.TryRead(out var item)) received.Add(item);
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var s = 0; s < perWriter; s++) Assert.True(queue.TryWrite((w, s)));
        })));
        queue.TryComplete();
        await reading;

        Assert.Equal(writers * perWriter, received.Count);
        foreach (var group in received.GroupBy(r => r.Writer))
            Assert.Equal(Enumerable.Range(0, perWriter), group.Select(r => r.Seq));
    }

    private static List<T> Drain<T>(OutboundQueue<T> queue)
    {
        var items = new List<T>();
        while (queue.TryRead(out var item)) items.Add(item);
        return items;
    }
}
