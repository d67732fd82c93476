using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;
using static Shoot.Tests.Support.TestMessages;

namespace Shoot.Tests.Infrastructure.Messaging.Store;

/// <summary>
/// What every <see cref="IMessageStore"/> must do, run against each adapter (subclasses). Each test gets an empty store.
/// What the feature stores on the same table or collection must do (pins, reactions, previews) is in their folders'
/// suites (Features/Pin, React, UrlPreview).
/// Tests are skippable because the MongoDB run skips without a server; the SQLite run never skips.
/// </summary>
public abstract class MessageStoreSuite
{
    /// <summary>A new, empty store (ready: migrated or indexed); skips the test when its backend is unavailable.</summary>
    protected abstract Task<IMessageStore> CreateStoreAsync();

    [SkippableFact]
    public async Task Every_field_survives_a_save_and_find()
    {
        var store = await CreateStoreAsync();
        var full = Message(room: 1, seq: 1) with
        {
            TempId = "temp-1",
            Text = "see https://example.com ☕ @bob",
            Type = "URL",
            IsEdited = true,
            UrlPreview = new UrlPreview("https://example.com", "Example", "An example", "https://example.com/a.png", "Example Site"),
            ThreadId = MessageId.New(Start),
            ReplyToMessageId = MessageId.New(Start),
            ForwardedFrom = new ForwardedFrom(MessageId.New(Start), 9, 99),
            Reactions = new Dictionary<string, IReadOnlyList<long>> { ["like"] = [5, 7], ["😂"] = [7] },
            Mentions = [5, 11],
            IsPinned = true,
            PinnedBy = 5,
            PinnedAt = Start.AddMilliseconds(2_345),
            CreatedAt = Start.AddMilliseconds(1),
            UpdatedAt = Start.AddMilliseconds(999),
        };
        var bare = Message(room: 1, seq: 2) with { UrlPreview = new UrlPreview("https://x.test", null, null, null, null) };
        var deleted = Message(room: 1, seq: 3) with { Text = "", IsDeleted = true };

        await store.SaveBatchAsync([full, bare, deleted]);

        AssertSame(full, await store.FindAsync(full.Id));
        AssertSame(bare, await store.FindAsync(bare.Id));
        AssertSame(deleted, await store.FindAsync(deleted.Id));
        Assert.Null(await store.FindAsync(MessageId.New(Start)));
        Assert.Null(await store.FindAsync("not-a-message-id"));
    }

    [SkippableFact]
    public async Task Saving_the_same_batch_twice_stores_each_message_once()
    {
        var store = await CreateStoreAsync();
        var batch = Messages(room: 1, count: 3);

        await store.SaveBatchAsync(batch);
        await store.SaveBatchAsync(batch);
        var fourth = Messages(room: 1, count: 4)[3];
        // A batch may also hold one message twice (a producer retry inside one poll).
        await store.SaveBatchAsync([batch[1], fourth, fourth]);

        var page = await store.PageAsync(new MessagePage(1, 100));
        Assert.Equal([4L, 3, 2, 1], page.Select(m => m.Seq));
        AssertSame(batch[0], page[3]);
        AssertSame(batch[2], page[1]);
    }

    [SkippableFact]
    public async Task An_edit_survives_a_redelivery_of_the_original()
    {
        var store = await CreateStoreAsync();
        var original = Message(room: 1, seq: 1);
        await store.SaveBatchAsync([original]);
        var edited = await store.EditTextAsync(original.Id, "edited", Start.AddMinutes(5));

        await store.SaveBatchAsync([original]);

        Assert.NotNull(edited);
        AssertSame(edited, await store.FindAsync(original.Id));
        Assert.Equal("edited", (await store.FindAsync(original.Id))!.Text);
    }

    [SkippableFact]
    public async Task Concurrent_overlapping_batches_store_each_message_once()
    {
        var store = await CreateStoreAsync();
        var all = Messages(room: 1, count: 40);
        // Six writers with windows of 20 (0-19, 4-23 … 20-39), each overlapping its neighbours, every other one reversed.
        var batches = Enumerable.Range(0, 6)
            .Select(i => all.Skip(i * 4).Take(20))
            .Select((batch, i) => (i % 2 == 0 ? batch : batch.Reverse()).ToList())
            .ToList();

        await Task.WhenAll(batches.Select(batch => Task.Run(() => store.SaveBatchAsync(batch))));

        var page = await store.PageAsync(new MessagePage(1, 100, AfterSeq: 0));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), page.Select(m => m.Seq));
        Assert.Equal(40, page.Select(m => m.Id).Distinct().Count());
    }

    [SkippableFact]
    public async Task A_different_message_with_a_taken_seq_is_refused_loudly_and_the_rest_of_the_batch_is_stored()
    {
        var store = await CreateStoreAsync();
        var first = Message(room: 1, seq: 1);
        await store.SaveBatchAsync([first]);
        var impostor = Message(room: 1, seq: 1) with { Text = "impostor" };
        var next = Message(room: 1, seq: 2);
        var otherRoom = Message(room: 2, seq: 1);

        var refused = await Assert.ThrowsAsync<MessageSeqConflictException>(() => store.SaveBatchAsync([impostor, next, otherRoom]));

        Assert.Equal([impostor.Id], refused.Refused.Select(m => m.Id));
        Assert.Contains(impostor.Id, refused.Message);
        AssertSame(first, await store.FindAsync(first.Id));
        Assert.Null(await store.FindAsync(impostor.Id));
        AssertSame(next, await store.FindAsync(next.Id));
        AssertSame(otherRoom, await store.FindAsync(otherRoom.Id));
    }

    [SkippableFact]
    public async Task History_pages_are_newest_first_by_id_with_before_and_after_cursors()
    {
        var store = await CreateStoreAsync();
        var m = Messages(room: 1, count: 10);
        await store.SaveBatchAsync(m);

        Assert.Equal(Seqs(10, 9, 8), await SeqsOf(store, new MessagePage(1, 3)));
        Assert.Equal(Seqs(7, 6, 5), await SeqsOf(store, new MessagePage(1, 3, BeforeId: m[7].Id)));
        Assert.Equal(Seqs(2, 1), await SeqsOf(store, new MessagePage(1, 3, BeforeId: m[2].Id)));
        Assert.Empty(await store.PageAsync(new MessagePage(1, 3, BeforeId: m[0].Id)));
        // after alone is still newest first: the newest messages after the cursor, not the oldest.
        Assert.Equal(Seqs(10, 9), await SeqsOf(store, new MessagePage(1, 2, AfterId: m[4].Id)));
        Assert.Equal(Seqs(10, 9, 8, 7, 6), await SeqsOf(store, new MessagePage(1, 50, AfterId: m[4].Id)));
        Assert.Equal(Seqs(7, 6, 5, 4), await SeqsOf(store, new MessagePage(1, 50, BeforeId: m[7].Id, AfterId: m[2].Id)));
        Assert.Equal(Seqs(7, 6), await SeqsOf(store, new MessagePage(1, 2, BeforeId: m[7].Id, AfterId: m[2].Id)));
    }

    [SkippableFact]
    public async Task After_seq_pages_are_oldest_first()
    {
        var store = await CreateStoreAsync();
        // Stored out of order, to show the order comes from the query.
        var m = Messages(room: 1, count: 6);
        await store.SaveBatchAsync([m[4], m[0], m[5], m[2], m[1], m[3]]);

        Assert.Equal(Seqs(1, 2, 3), await SeqsOf(store, new MessagePage(1, 3, AfterSeq: 0)));
        Assert.Equal(Seqs(3, 4, 5, 6), await SeqsOf(store, new MessagePage(1, 50, AfterSeq: 2)));
        Assert.Empty(await store.PageAsync(new MessagePage(1, 50, AfterSeq: 6)));
    }

    [SkippableFact]
    public async Task A_thread_page_holds_only_the_replies_of_that_thread()
    {
        var store = await CreateStoreAsync();
        var root = Message(room: 1, seq: 1);
        var otherRoot = Message(room: 1, seq: 2);
        var replies = Enumerable.Range(3, 5).Select(seq => Message(room: 1, seq: seq) with { ThreadId = root.Id }).ToList();
        var elsewhere = Message(room: 1, seq: 8) with { ThreadId = otherRoot.Id };
        var sameThreadIdOtherRoom = Message(room: 2, seq: 1) with { ThreadId = root.Id };
        await store.SaveBatchAsync([root, otherRoot, .. replies, elsewhere, sameThreadIdOtherRoom]);

        Assert.Equal(Seqs(7, 6, 5, 4, 3), await SeqsOf(store, new MessagePage(1, 50, ThreadId: root.Id)));
        Assert.Equal(Seqs(5, 4), await SeqsOf(store, new MessagePage(1, 2, BeforeId: replies[3].Id, ThreadId: root.Id)));
        Assert.Equal(Seqs(5, 6, 7), await SeqsOf(store, new MessagePage(1, 50, AfterSeq: 4, ThreadId: root.Id)));
        Assert.Equal(Seqs(8), await SeqsOf(store, new MessagePage(1, 50, ThreadId: otherRoot.Id)));
        Assert.Empty(await store.PageAsync(new MessagePage(1, 50, ThreadId: elsewhere.Id)));
    }

    [SkippableFact]
    public async Task Rooms_do_not_leak_into_each_others_pages()
    {
        var store = await CreateStoreAsync();
        // Interleaved in time, so only the room filter keeps them apart.
        var a = Messages(room: 1, count: 4, offsetSeconds: 0, stepSeconds: 2);
        var b = Messages(room: 2, count: 4, offsetSeconds: 1, stepSeconds: 2);
        await store.SaveBatchAsync([.. a, .. b]);

        Assert.Equal(a.Select(m => m.Id).Reverse(), (await store.PageAsync(new MessagePage(1, 50))).Select(m => m.Id));
        Assert.Equal(b.Select(m => m.Id), (await store.PageAsync(new MessagePage(2, 50, AfterSeq: 0))).Select(m => m.Id));
        // b[2] is from second 7; room 1's messages before it are from seconds 6 and 4.
        Assert.Equal(a.Select(m => m.Id).Reverse().Skip(1).Take(2),
            (await store.PageAsync(new MessagePage(1, 2, BeforeId: b[2].Id))).Select(m => m.Id));
        Assert.Empty(await store.PageAsync(new MessagePage(3, 50)));
    }

    [SkippableFact]
    public async Task Max_seq_is_the_highest_of_the_room_or_zero()
    {
        var store = await CreateStoreAsync();
        Assert.Equal(0, await store.MaxSeqAsync(1));
        var m = Messages(room: 1, count: 12);
        await store.SaveBatchAsync([m[11], m[0], m[5]]);
        await store.SaveBatchAsync([Message(room: 2, seq: 40)]);

        Assert.Equal(12, await store.MaxSeqAsync(1));
        Assert.Equal(40, await store.MaxSeqAsync(2));
        Assert.Equal(0, await store.MaxSeqAsync(3));
    }

    [SkippableFact]
    public async Task Edit_replaces_the_text_of_a_message_that_is_not_deleted()
    {
        var store = await CreateStoreAsync();
        var message = Message(room: 1, seq: 1) with { UrlPreview = new UrlPreview("https://x.test", "X", null, null, null), Mentions = [3] };
        var deleted = Message(room: 1, seq: 2) with { Text = "", IsDeleted = true };
        await store.SaveBatchAsync([message, deleted]);
        var at = Start.AddMinutes(3).AddMilliseconds(7);

        var edited = await store.EditTextAsync(message.Id, "better", at);

        var expected = message with { Text = "better", IsEdited = true, UpdatedAt = at };
        AssertSame(expected, edited);
        AssertSame(expected, await store.FindAsync(message.Id));
        Assert.Null(await store.EditTextAsync(deleted.Id, "revived", at));
        AssertSame(deleted, await store.FindAsync(deleted.Id));
        Assert.Null(await store.EditTextAsync(MessageId.New(Start), "nobody", at));
    }

    [SkippableFact]
    public async Task Soft_delete_empties_the_text_and_drops_the_preview()
    {
        var store = await CreateStoreAsync();
        var message = Message(room: 1, seq: 1) with { Type = "URL", UrlPreview = new UrlPreview("https://x.test", "X", "d", "i", "s"), Mentions = [3] };
        await store.SaveBatchAsync([message]);
        var at = Start.AddMinutes(4).AddMilliseconds(3);

        var deleted = await store.SoftDeleteAsync(message.Id, at);
        var again = await store.SoftDeleteAsync(message.Id, at.AddMinutes(1));

        var expected = message with { Text = "", IsDeleted = true, UrlPreview = null, UpdatedAt = at };
        AssertSame(expected, deleted);
        AssertSame(expected, again);
        AssertSame(expected, await store.FindAsync(message.Id));
        Assert.Null(await store.SoftDeleteAsync(MessageId.New(Start), at));
    }

    [SkippableFact]
    public async Task Deleting_a_room_removes_only_its_messages()
    {
        var store = await CreateStoreAsync();
        var a = Messages(room: 1, count: 3);
        var b = Messages(room: 2, count: 3);
        await store.SaveBatchAsync([.. a, .. b]);

        await store.DeleteRoomAsync(1);

        Assert.Empty(await store.PageAsync(new MessagePage(1, 50)));
        Assert.Null(await store.FindAsync(a[0].Id));
        Assert.Equal(0, await store.MaxSeqAsync(1));
        Assert.Equal(Seqs(3, 2, 1), await SeqsOf(store, new MessagePage(2, 50)));
    }

    [SkippableFact]
    public async Task Unread_counts_messages_after_the_position_from_others_and_not_deleted()
    {
        var store = await CreateStoreAsync();
        var m = Messages(room: 1, count: 6);
        // Room 1's messages are sent by 101; two of them by the reader (7), and one of 101's is deleted.
        m[1] = m[1] with { SenderId = 7 };
        m[4] = m[4] with { SenderId = 7 };
        m[3] = m[3] with { Text = "", IsDeleted = true };
        await store.SaveBatchAsync([.. m, Message(room: 2, seq: 1)]);

        Assert.Equal(3, await store.CountUnreadAsync(1, 0, 6, 7));
        Assert.Equal(2, await store.CountUnreadAsync(1, 1, 6, 7));
        Assert.Equal(1, await store.CountUnreadAsync(1, 4, 6, 7));
        Assert.Equal(0, await store.CountUnreadAsync(1, 6, 6, 7));
        // The upper bound is inclusive: seqs 1..3 hold one unread (seq 3) once seq 1 is read.
        Assert.Equal(1, await store.CountUnreadAsync(1, 1, 3, 7));
        Assert.Equal(2, await store.CountUnreadAsync(1, 0, long.MaxValue, 101));
        Assert.Equal(0, await store.CountUnreadAsync(3, 0, long.MaxValue, 7));
    }

    [SkippableFact]
    public async Task Bad_pages_and_ids_are_refused_before_anything_is_sent()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PageAsync(new MessagePage(1, 0)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PageAsync(new MessagePage(1, 10, BeforeId: "zz")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PageAsync(new MessagePage(1, 10, AfterId: MessageId.New(Start).ToUpperInvariant())));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveBatchAsync([Message(room: 1, seq: 1) with { Id = "123" }]));
        Assert.Equal(0, await store.MaxSeqAsync(1));
    }

    [SkippableFact]
    public async Task The_sends_since_a_time_are_the_messages_with_a_tempId_created_from_then_on()
    {
        var store = await CreateStoreAsync();
        var messages = Messages(room: 1, count: 6).Select(m => m.Seq == 4 ? m : m with { TempId = $"t-{m.Seq}" }).ToList();
        await store.SaveBatchAsync(messages);

        var since = messages[2].CreatedAt;
        var sends = new List<StoredSend>();
        await foreach (var send in store.SendsSinceAsync(since))
            sends.Add(send);

        // Seqs 3, 5 and 6: seq 4 has no tempId, 1 and 2 are older.
        Assert.Equal(
            messages.Where(m => m.Seq is 3 or 5 or 6).Select(m => new StoredSend(1, m.SenderId, m.TempId!, m.Seq)),
            sends.OrderBy(s => s.Seq));
    }

    private static long[] Seqs(params long[] seqs) => seqs;

    private static async Task<long[]> SeqsOf(IMessageStore store, MessagePage page) =>
        (await store.PageAsync(page)).Select(m => m.Seq).ToArray();
}
