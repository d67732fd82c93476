using System.Text.Json;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>
/// Tells a room where a send got to (docs/api.md §8) and remembers it for retries. Statuses travel on the bus like the
/// messages themselves, so they reach subscribers on every instance, after the message they describe; the sequencer
/// publishes each only if it moves the send forward, so the producer and the consumer racing to report never show a
/// client SENT_TO_KAFKA after PROCESSING.
/// </summary>
public sealed class SendStatusReporter(IMessageSequencer sequencer, IEventBus bus, TimeProvider clock, Infrastructure.Observability.ShootMetrics metrics)
{
    /// <summary>
    /// A new send's SENDING, which the sequencer publishes in the accept's own step, right after the message: the
    /// status's JSON around the seq the accept assigns.
    /// </summary>
    public SeqTemplate Sending(StoredMessage message) =>
        SeqTemplates.Split(MessageTopics.Status(message.RoomId), seq => new MessageStatusUpdate(message.TempId, "SENDING", null, seq, null, message.CreatedAt));

    /// <summary>Counts a new send's SENDING, published by its accept (<see cref="Sending"/>).</summary>
    public void Accepted(StoredMessage message) => metrics.StatusChanged("SENDING", message.CreatedAt, message.CreatedAt);

    public async Task<bool> ReportAsync(StoredMessage message, string status, string? error = null, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var step = Step(message, status, error, now);
        var advanced = await sequencer.AdvanceStatusAsync(step.Key, step.Record, step.StatusEvent, ct);
        Count(advanced, status, message, now);
        return advanced;
    }

    /// <summary>
    /// Reports several statuses in the order given (a pipeline group's, possibly two per message) in one step of the
    /// sequencer: a round trip per group instead of one per message and status.
    /// </summary>
    public async Task ReportManyAsync(IReadOnlyList<(StoredMessage Message, string Status)> reports, CancellationToken ct = default)
    {
        if (reports.Count == 0)
            return;
        var now = clock.GetUtcNow();
        var advanced = await sequencer.AdvanceStatusesAsync(reports.Select(r => Step(r.Message, r.Status, null, now)).ToList(), ct);
        for (var i = 0; i < reports.Count; i++)
            Count(advanced[i], reports[i].Status, reports[i].Message, now);
    }

    private static StatusStep Step(StoredMessage message, string status, string? error, DateTimeOffset now)
    {
        var update = new MessageStatusUpdate(message.TempId, status, status == "SAVED" ? message.Id : null, message.Seq, error, now);
        return new StatusStep(new SendKey(message.RoomId, message.SenderId, message.TempId), new SendRecord(message.Id, message.Seq, status, error),
            ToEvent(message.RoomId, update));
    }

    // Counted where the status really moved (once per send and status, whichever instance got there first).
    private void Count(bool advanced, string status, StoredMessage message, DateTimeOffset now)
    {
        if (advanced)
            metrics.StatusChanged(status, message.CreatedAt, now);
    }

    /// <summary>A retry of an earlier send: the earlier send's status, as it stands.</summary>
    public async Task RepeatAsync(long roomId, string tempId, SendRecord earlier, CancellationToken ct = default) =>
        await bus.PublishAsync(ToEvent(roomId, new MessageStatusUpdate(tempId, earlier.Status,
            earlier.Status == "SAVED" ? earlier.MessageId : null, earlier.Seq, earlier.ErrorMessage, clock.GetUtcNow())), ct);

    private static BusEvent ToEvent(long roomId, MessageStatusUpdate update) =>
        new(MessageTopics.Status(roomId), JsonSerializer.Serialize(update, ShootJson.Options));
}
