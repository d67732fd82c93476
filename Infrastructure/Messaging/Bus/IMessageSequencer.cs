namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Accepts a new message in one atomic step: refuses a repeated send (same room, sender and tempId within
/// <see cref="MessageSequencerDefaults.DedupeWindow"/>), assigns the room's next seq, publishes the message on the bus
/// and keeps it in the room's recent ring for resumes. Being one step is what keeps two instances from publishing
/// seq 6 before seq 5 (Redis: one Lua script; in-process: one lock per room).
/// </summary>
public interface IMessageSequencer
{
    Task<AcceptOutcome> AcceptAsync(AcceptRequest request, CancellationToken cancellationToken = default);

    /// <summary>Messages of a room with seq &gt; <paramref name="afterSeq"/> still in the recent ring, oldest first.</summary>
    Task<IReadOnlyList<SequencedPayload>> RecentAsync(long roomId, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>Records the latest status of a send, so a retry of it is answered with where the first attempt got to.</summary>
    Task RecordStatusAsync(SendKey key, SendRecord record, CancellationToken cancellationToken = default);
}

/// <summary>Identifies one send for deduplication. Without a TempId (server-made messages) nothing is deduplicated.</summary>
public sealed record SendKey(long RoomId, long SenderId, string? TempId);

/// <summary>
/// A message to accept. Its JSON is given in two halves around the seq (which only the atomic step knows):
/// the published payload is <c>PayloadBeforeSeq + seq + PayloadAfterSeq</c>.
/// </summary>
public sealed record AcceptRequest(SendKey Key, string MessageId, string Destination, string PayloadBeforeSeq, string PayloadAfterSeq);

/// <summary>
/// The result: a new message (<see cref="IsDuplicate"/> false, with its seq), or the earlier send with the same key,
/// whose <see cref="Record"/> says where it got to.
/// </summary>
public sealed record AcceptOutcome(bool IsDuplicate, SendRecord Record);

/// <summary>Where a send got to: its message id, seq, latest status (SENDING … SAVED / FAILED) and error, if any.</summary>
public sealed record SendRecord(string MessageId, long Seq, string Status, string? ErrorMessage = null);

public sealed record SequencedPayload(long Seq, string Payload);

public static class MessageSequencerDefaults
{
    /// <summary>Contract §8: a retry within 24 hours gets the first attempt's answer.</summary>
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromHours(24);

    /// <summary>Recent messages kept per room for resumes of messages not yet stored.</summary>
    public const int RingLength = 500;
}
