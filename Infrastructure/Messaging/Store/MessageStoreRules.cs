namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// A message whose (roomId, seq) is already held by a different message. Seqs are assigned once per accepted message,
/// so this means a bug or two writers assigning seqs for one room; it is never resolved silently. Every other message of
/// the batch is stored (or was already), so retrying the batch changes nothing and fails the same way.
/// </summary>
public sealed class MessageSeqConflictException(IReadOnlyList<StoredMessage> refused)
    : Exception($"Refused {refused.Count} message(s) whose room already has another message with that seq: "
        + string.Join(", ", refused.Select(m => $"{m.Id} (room {m.RoomId}, seq {m.Seq})")))
{
    public IReadOnlyList<StoredMessage> Refused { get; } = refused;
}

/// <summary>What every store refuses before it sends anything, so all adapters fail the same way on the same input.</summary>
internal static class MessageStoreRules
{
    public static void CheckBatch(IReadOnlyList<StoredMessage> messages)
    {
        foreach (var message in messages)
        {
            if (!MessageId.IsValid(message.Id))
                throw new ArgumentException($"Message id '{message.Id}' is not 24 lowercase hex characters.", nameof(messages));
        }
    }

    public static void CheckPage(MessagePage page)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Limit, 1, nameof(page.Limit));
        if (page.BeforeId is not null && !MessageId.IsValid(page.BeforeId))
            throw new ArgumentException($"Cursor '{page.BeforeId}' is not a message id.", nameof(page));
        if (page.AfterId is not null && !MessageId.IsValid(page.AfterId))
            throw new ArgumentException($"Cursor '{page.AfterId}' is not a message id.", nameof(page));
    }
}
