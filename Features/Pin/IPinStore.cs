using Shoot.Infrastructure.Messaging;

namespace Shoot.Features.Messages;

/// <summary>
/// Where pins are kept: on the message itself (isPinned, pinnedBy, pinnedAt), in whichever store holds messages
/// (<see cref="SqlitePinStore"/>, <see cref="MongoPinStore"/>; chosen with the message store, see
/// <see cref="MessagePartStores"/>). A message id that is not one names no message.
/// </summary>
public interface IPinStore
{
    /// <summary>
    /// Pins a message that is neither deleted nor pinned, by <paramref name="userId"/> at <paramref name="at"/>, unless its
    /// room holds <paramref name="maxPinnedPerRoom"/> pinned messages already. The check and the pin are one atomic step,
    /// whatever the number of writers and instances: a room never ends up with more. The outcome says what happened;
    /// a message pinned already is left as it is (<see cref="PinOutcome.AlreadyPinned"/>).
    /// </summary>
    Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default);

    /// <summary>Unpins (isPinned false, pinnedBy and pinnedAt null). Returns the new state, or null when absent; unpinning an unpinned message changes nothing.</summary>
    Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>The pinned messages of a room, most recently pinned first.</summary>
    Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IPinStore.PinAsync"/> did.</summary>
public enum PinOutcome
{
    /// <summary>Pinned now.</summary>
    Pinned,

    /// <summary>It was pinned already; nothing changed.</summary>
    AlreadyPinned,

    /// <summary>Its room holds the most pinned messages it may; nothing changed.</summary>
    LimitReached,

    /// <summary>A deleted message is not pinned.</summary>
    Deleted,

    /// <summary>No such message.</summary>
    NotFound,
}

/// <summary>The outcome of a pin, and the message as it is after it (null when <see cref="PinOutcome.NotFound"/>).</summary>
public sealed record PinResult(PinOutcome Outcome, StoredMessage? Message)
{
    /// <summary>
    /// Why a pin's conditional write matched nothing, from the message as it is now: gone, deleted, pinned already
    /// (by this call's rival, or before), or else it was the room's limit. Shared by both adapters, so they answer alike.
    /// </summary>
    public static PinResult Refused(StoredMessage? current) => current switch
    {
        null => new PinResult(PinOutcome.NotFound, null),
        { IsDeleted: true } => new PinResult(PinOutcome.Deleted, current),
        { IsPinned: true } => new PinResult(PinOutcome.AlreadyPinned, current),
        _ => new PinResult(PinOutcome.LimitReached, current),
    };
}
