using System.Text.Json;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>
/// Sends a message again, whole and with its readCount, on /topic/messages/{roomId} after it changed (an edit, a delete,
/// a reaction, a pin, a URL preview): clients upsert it by id (docs/api.md §6). Answers the same view, for the REST response.
/// </summary>
public sealed class ChangedMessageBroadcaster(ReadPositions reads, IEventBus bus)
{
    // No seq on the event: it is a new version of a message the client has, not a new message in the room's order.
    public async Task<Message> BroadcastAsync(StoredMessage message, CancellationToken ct)
    {
        var view = await reads.ViewAsync(message, ct);
        await bus.PublishAsync(new BusEvent(MessageTopics.Messages(message.RoomId), JsonSerializer.Serialize(view, ShootJson.Options)), ct);
        return view;
    }
}
