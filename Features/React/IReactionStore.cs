using Shoot.Infrastructure.Messaging;

namespace Shoot.Features.Messages;

/// <summary>
/// Where reactions are kept: on the message itself (<see cref="StoredMessage.Reactions"/>: name → users), in whichever
/// store holds messages (<see cref="SqliteReactionStore"/>, <see cref="MongoReactionStore"/>; chosen with the message
/// store, see <see cref="MessagePartStores"/>). updatedAt is left alone by both changes (it dates the content).
/// </summary>
public interface IReactionStore
{
    /// <summary>
    /// Adds <paramref name="userId"/> to the holders of <paramref name="reaction"/> (a name such as <c>like</c>: lowercase
    /// letters, digits and <c>_</c>, else <see cref="ArgumentException"/>) on a message that is not deleted, in one atomic
    /// step: users reacting at once all end up in the list, each once. Holding it already changes nothing. Returns the
    /// new state, or null when absent or deleted.
    /// </summary>
    Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes <paramref name="userId"/> from the holders of <paramref name="reaction"/> atomically; a reaction left with
    /// nobody disappears from <see cref="StoredMessage.Reactions"/>. Not holding it changes nothing. Returns the new state,
    /// or null when absent or deleted.
    /// </summary>
    Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default);
}

/// <summary>What both reaction adapters refuse before they send anything, so they fail the same way on the same input.</summary>
internal static class ReactionNames
{
    /// <summary>
    /// A reaction name goes into a JSON path (SQLite) or a field path (MongoDB): only lowercase letters, digits and
    /// <c>_</c>, so it can never address another part of the message.
    /// </summary>
    public static void Check(string reaction)
    {
        if (reaction.Length is 0 or > 32 || !reaction.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new ArgumentException($"Reaction '{reaction}' is not a reaction name.", nameof(reaction));
    }
}
