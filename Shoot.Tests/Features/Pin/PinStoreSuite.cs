using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.TestMessages;

namespace Shoot.Tests.Features.Messages;

/// <summary>What every <see cref="IPinStore"/> must do, on each backend (subclasses; see <see cref="MessageBackendSuite"/>).</summary>
public abstract class PinStoreSuite(Func<Task<MessageBackend>> createBackend) : MessageBackendSuite(createBackend)
{
    [SkippableFact]
    public async Task Pins_hold_the_room_limit_and_list_the_latest_pinned_first()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var m = TestMessages.Messages(room: 1, count: 5);
        m[4] = m[4] with { Text = "", IsDeleted = true };
        var otherRoom = Message(room: 2, seq: 1);
        await store.SaveBatchAsync([.. m, otherRoom]);
        var at = Start.AddHours(1);

        var first = await backend.Pins.PinAsync(m[0].Id, 5, at, 3);
        Assert.Equal(PinOutcome.Pinned, first.Outcome);
        AssertSame(m[0] with { IsPinned = true, PinnedBy = 5, PinnedAt = at }, first.Message);
        var again = await backend.Pins.PinAsync(m[0].Id, 6, at.AddMinutes(1), 3);
        Assert.Equal(PinOutcome.AlreadyPinned, again.Outcome);
        AssertSame(first.Message, again.Message);
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(m[1].Id, 6, at.AddMinutes(2), 3)).Outcome);
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(m[2].Id, 5, at.AddMinutes(3), 3)).Outcome);

        var full = await backend.Pins.PinAsync(m[3].Id, 5, at.AddMinutes(4), 3);
        Assert.Equal(PinOutcome.LimitReached, full.Outcome);
        AssertSame(m[3], full.Message);
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(otherRoom.Id, 5, at, 3)).Outcome);
        Assert.Equal(PinOutcome.Deleted, (await backend.Pins.PinAsync(m[4].Id, 5, at, 3)).Outcome);
        Assert.Equal(new PinResult(PinOutcome.NotFound, null), await backend.Pins.PinAsync(MessageId.New(Start), 5, at, 3));
        Assert.Equal(new PinResult(PinOutcome.NotFound, null), await backend.Pins.PinAsync("not-a-message-id", 5, at, 3));
        Assert.Equal([m[2].Id, m[1].Id, m[0].Id], (await backend.Pins.PinnedAsync(1)).Select(p => p.Id));
        Assert.Equal([otherRoom.Id], (await backend.Pins.PinnedAsync(2)).Select(p => p.Id));
        Assert.Empty(await backend.Pins.PinnedAsync(3));

        // Unpinning (twice changes nothing) and deleting both give a place back.
        AssertSame(m[1], await backend.Pins.UnpinAsync(m[1].Id));
        AssertSame(m[1], await backend.Pins.UnpinAsync(m[1].Id));
        Assert.Null(await backend.Pins.UnpinAsync(MessageId.New(Start)));
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(m[3].Id, 5, at.AddMinutes(5), 3)).Outcome);
        Assert.Equal(PinOutcome.LimitReached, (await backend.Pins.PinAsync(m[1].Id, 5, at.AddMinutes(6), 3)).Outcome);
        await store.SoftDeleteAsync(m[0].Id, at.AddMinutes(7));
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(m[1].Id, 7, at.AddMinutes(8), 3)).Outcome);
        Assert.Equal([m[1].Id, m[3].Id, m[2].Id], (await backend.Pins.PinnedAsync(1)).Select(p => p.Id));
        AssertSame(m[1] with { IsPinned = true, PinnedBy = 7, PinnedAt = at.AddMinutes(8) }, await store.FindAsync(m[1].Id));
    }

    [SkippableFact]
    public async Task Pins_racing_for_the_last_places_never_pass_the_limit()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var m = TestMessages.Messages(room: 1, count: 10);
        await store.SaveBatchAsync(m);
        var at = Start.AddHours(1);

        var results = await Task.WhenAll(m.Select((message, i) => Task.Run(() => backend.Pins.PinAsync(message.Id, 5 + i, at, 3))));

        Assert.Equal(3, results.Count(r => r.Outcome == PinOutcome.Pinned));
        Assert.Equal(7, results.Count(r => r.Outcome == PinOutcome.LimitReached));
        Assert.Equal(results.Where(r => r.Outcome == PinOutcome.Pinned).Select(r => r.Message!.Id).Order(),
            (await backend.Pins.PinnedAsync(1)).Select(p => p.Id).Order());
    }

    [SkippableFact]
    public async Task Soft_delete_also_drops_the_reactions_and_the_pin()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var message = Message(room: 1, seq: 1);
        await store.SaveBatchAsync([message]);
        await backend.Reactions.AddReactionAsync(message.Id, "like", 5);
        Assert.Equal(PinOutcome.Pinned, (await backend.Pins.PinAsync(message.Id, 5, Start.AddMinutes(1), 3)).Outcome);
        var at = Start.AddMinutes(2);

        var deleted = await store.SoftDeleteAsync(message.Id, at);

        AssertSame(message with { Text = "", IsDeleted = true, UpdatedAt = at }, deleted);
        Assert.Empty(await backend.Pins.PinnedAsync(1));
    }
}
