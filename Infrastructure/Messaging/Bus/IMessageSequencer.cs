using System.Globalization;

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

    /// <summary>The room's newest accepted message still in the recent ring (stored or not), null when the ring is empty.</summary>
    Task<SequencedPayload?> LatestAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a send to a later status and publishes <paramref name="statusEvent"/>, as one atomic step, only if the
    /// status is later than the one recorded (SENDING &lt; SENT_TO_KAFKA &lt; PROCESSING &lt; SAVED &lt; FAILED). The producer and
    /// the pipeline's consumer (possibly on another instance) race to report a message; this keeps every client's view
    /// of each send in order and each status once. Returns false when the status was not later (nothing published).
    /// Without a TempId nothing is recorded and the event is always published.
    /// </summary>
    Task<bool> AdvanceStatusAsync(SendKey key, SendRecord record, BusEvent statusEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Several <see cref="AdvanceStatusAsync"/> steps in the order given, in as few round trips as the adapter allows:
    /// the pipeline reports a whole group's PROCESSING or SAVED at once. Each step is atomic on its own; returns, per
    /// step, whether it moved its send forward.
    /// </summary>
    Task<IReadOnlyList<bool>> AdvanceStatusesAsync(IReadOnlyList<StatusStep> steps, CancellationToken cancellationToken = default);
}

/// <summary>One status step of a send: what to record, and the status event to publish if it moves the send forward.</summary>
public sealed record StatusStep(SendKey Key, SendRecord Record, BusEvent StatusEvent);

/// <summary>Identifies one send for deduplication. Without a TempId (server-made messages) nothing is deduplicated.</summary>
public sealed record SendKey(long RoomId, long SenderId, string? TempId);

/// <summary>
/// A message to accept, and its SENDING status. Both are published by the accept's atomic step when the send is new:
/// the message, then the status right after it. (The status used to be a second step, a second Redis round trip per
/// message: docs/performance.md, "Ninth profile".)
/// </summary>
public sealed record AcceptRequest(SendKey Key, string MessageId, SeqTemplate Message, SeqTemplate Sending);

/// <summary>
/// An event whose JSON holds a seq that only the atomic step knows, in two halves around the seq's digits: the
/// published payload is <c>BeforeSeq + seq + AfterSeq</c>.
/// </summary>
public sealed record SeqTemplate(string Destination, string BeforeSeq, string AfterSeq)
{
    public string With(long seq) => string.Concat(BeforeSeq, seq.ToString(CultureInfo.InvariantCulture), AfterSeq);
}

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
    /// <summary>
    /// What an accepted send recorded before its SENDING status was published in the accept's own step. Records written
    /// by such a version (Redis keeps them for a day) may still say so; a retry is answered SENDING for them.
    /// </summary>
    public const string Accepted = "ACCEPTED";

    /// <summary>The status a client is told for a recorded one.</summary>
    public static string Visible(string status) => status == Accepted ? "SENDING" : status;

    /// <summary>The order statuses move in; a send never goes back.</summary>
    public static int RankOf(string status) => status switch
    {
        "SENDING" => 1,
        "SENT_TO_KAFKA" => 2,
        "PROCESSING" => 3,
        "SAVED" => 4,
        "FAILED" => 5,
        _ => 0,
    };

    /// <summary>docs/api.md §8: a retry within 24 hours gets the first attempt's answer.</summary>
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromHours(24);

    /// <summary>Recent messages kept per room for resumes of messages not yet stored.</summary>
    public const int RingLength = 500;
}
