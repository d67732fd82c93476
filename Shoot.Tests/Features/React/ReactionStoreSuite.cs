using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.TestMessages;

namespace Shoot.Tests.Features.Messages;

/// <summary>What every <see cref="IReactionStore"/> must do, on each backend (subclasses; see <see cref="MessageBackendSuite"/>).</summary>
public abstract class ReactionStoreSuite(Func<Task<MessageBackend>> createBackend) : MessageBackendSuite(createBackend)
{
    [SkippableFact]
    public async Task A_reaction_is_held_once_per_user_and_a_reaction_nobody_holds_disappears()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var message = Message(room: 1, seq: 1);
        var deleted = Message(room: 1, seq: 2) with { Text = "", IsDeleted = true };
        await store.SaveBatchAsync([message, deleted]);

        AssertSame(message with { Reactions = ReactionsOf(("like", [5])) }, await backend.Reactions.AddReactionAsync(message.Id, "like", 5));
        AssertSame(message with { Reactions = ReactionsOf(("like", [5])) }, await backend.Reactions.AddReactionAsync(message.Id, "like", 5));
        await backend.Reactions.AddReactionAsync(message.Id, "like", 7);
        AssertSame(message with { Reactions = ReactionsOf(("like", [5, 7]), ("laugh", [5])) }, await backend.Reactions.AddReactionAsync(message.Id, "laugh", 5));

        // Removing one not held changes nothing; removing the last holder removes the name. updatedAt never moves.
        AssertSame(message with { Reactions = ReactionsOf(("like", [5, 7]), ("laugh", [5])) }, await backend.Reactions.RemoveReactionAsync(message.Id, "like", 9));
        AssertSame(message with { Reactions = ReactionsOf(("like", [5, 7])) }, await backend.Reactions.RemoveReactionAsync(message.Id, "laugh", 5));
        AssertSame(message with { Reactions = ReactionsOf(("like", [7])) }, await backend.Reactions.RemoveReactionAsync(message.Id, "like", 5));
        AssertSame(message with { Reactions = ReactionsOf(("like", [7])) }, await backend.Reactions.RemoveReactionAsync(message.Id, "wow", 7));
        AssertSame(message, await backend.Reactions.RemoveReactionAsync(message.Id, "like", 7));
        AssertSame(message, await store.FindAsync(message.Id));

        Assert.Null(await backend.Reactions.AddReactionAsync(deleted.Id, "like", 5));
        Assert.Null(await backend.Reactions.RemoveReactionAsync(deleted.Id, "like", 5));
        AssertSame(deleted, await store.FindAsync(deleted.Id));
        Assert.Null(await backend.Reactions.AddReactionAsync(MessageId.New(Start), "like", 5));
        Assert.Null(await backend.Reactions.AddReactionAsync("not-a-message-id", "like", 5));
        foreach (var bad in new[] { "", "Like", "like.x", "$where", "a\"b", "😂", new string('a', 33) })
            await Assert.ThrowsAsync<ArgumentException>(() => backend.Reactions.AddReactionAsync(message.Id, bad, 5));
    }

    [SkippableFact]
    public async Task Users_reacting_at_once_all_end_up_in_the_list()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var message = Message(room: 1, seq: 1);
        await store.SaveBatchAsync([message]);
        var users = Enumerable.Range(1, 20).Select(i => (long)i).ToList();

        await Task.WhenAll(users.Select(user => Task.Run(() => backend.Reactions.AddReactionAsync(message.Id, "like", user))));
        // Then half take theirs back while the others add another reaction, all at once.
        await Task.WhenAll(users.Select(user => Task.Run(() => user % 2 == 0
            ? backend.Reactions.RemoveReactionAsync(message.Id, "like", user)
            : backend.Reactions.AddReactionAsync(message.Id, "love", user))));

        var reactions = (await store.FindAsync(message.Id))!.Reactions;
        Assert.Equal(users.Where(u => u % 2 == 1), reactions["like"].Order());
        Assert.Equal(users.Where(u => u % 2 == 1), reactions["love"].Order());
        Assert.Equal(["like", "love"], reactions.Keys.Order());
    }
}
