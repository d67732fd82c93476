using System.Text.Json;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>
/// Tells a room where a send got to (contract §8) and remembers it for retries. Statuses travel on the bus like the
/// messages themselves, so they reach subscribers on every instance, after the message they describe.
/// </summary>
public sealed class SendStatusReporter(IEventBus bus, IMessageSequencer sequencer, TimeProvider clock)
{
    public async Task ReportAsync(StoredMessage message, string status, string? error = null, CancellationToken ct = default)
    {
        var persistedId = status == "SAVED" ? message.Id : null;
        var record = new SendRecord(message.Id, message.Seq, status, error);
        await sequencer.RecordStatusAsync(new SendKey(message.RoomId, message.SenderId, message.TempId), record, ct);
        await PublishAsync(message.RoomId, new MessageStatusUpdate(message.TempId, status, persistedId, message.Seq, error, clock.GetUtcNow()), ct);
    }

    /// <summary>A retry of an earlier send: the earlier send's status, as it stands.</summary>
    public Task RepeatAsync(long roomId, string tempId, SendRecord earlier, CancellationToken ct = default) =>
        PublishAsync(roomId, new MessageStatusUpdate(tempId, earlier.Status, earlier.Status == "SAVED" ? earlier.MessageId : null,
            earlier.Seq, earlier.ErrorMessage, clock.GetUtcNow()), ct);

    /// <summary>A send refused before it got a seq (no message exists): FAILED with the reason.</summary>
    public Task RefuseAsync(long roomId, string? tempId, string reason, CancellationToken ct = default) =>
        PublishAsync(roomId, new MessageStatusUpdate(tempId, "FAILED", null, null, reason, clock.GetUtcNow()), ct);

    private async Task PublishAsync(long roomId, MessageStatusUpdate update, CancellationToken ct) =>
        await bus.PublishAsync(new BusEvent(MessageTopics.Status(roomId), JsonSerializer.Serialize(update, ShootJson.Options)), ct);
}
