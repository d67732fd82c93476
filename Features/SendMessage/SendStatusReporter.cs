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
    public async Task<bool> ReportAsync(StoredMessage message, string status, string? error = null, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var update = new MessageStatusUpdate(message.TempId, status, status == "SAVED" ? message.Id : null, message.Seq, error, now);
        var advanced = await sequencer.AdvanceStatusAsync(new SendKey(message.RoomId, message.SenderId, message.TempId),
            new SendRecord(message.Id, message.Seq, status, error), ToEvent(message.RoomId, update), ct);
        // Counted where the status really moved (once per send and status, whichever instance got there first).
        if (advanced)
            metrics.StatusChanged(status, message.CreatedAt, now);
        return advanced;
    }

    /// <summary>A retry of an earlier send: the earlier send's status, as it stands.</summary>
    public async Task RepeatAsync(long roomId, string tempId, SendRecord earlier, CancellationToken ct = default) =>
        await bus.PublishAsync(ToEvent(roomId, new MessageStatusUpdate(tempId, earlier.Status,
            earlier.Status == "SAVED" ? earlier.MessageId : null, earlier.Seq, earlier.ErrorMessage, clock.GetUtcNow())), ct);

    private static BusEvent ToEvent(long roomId, MessageStatusUpdate update) =>
        new(MessageTopics.Status(roomId), JsonSerializer.Serialize(update, ShootJson.Options));
}
