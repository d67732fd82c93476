using System.Text.Json;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>
/// Sends a changed message (edit, delete, URL preview) whole on /topic/messages/{roomId}, as each reader would see it
/// (with its readCount); clients upsert it by id.
/// </summary>
public sealed class MessageBroadcaster(ReadPositions reads, IEventBus bus)
{
    // No seq on the event: it is a new version of a message the client has, not a new message in the room's order.
    public async Task<Message> BroadcastAsync(StoredMessage message, CancellationToken ct)
    {
        var view = await reads.ViewAsync(message, ct);
        await bus.PublishAsync(new BusEvent(MessageTopics.Messages(message.RoomId), JsonSerializer.Serialize(view, ShootJson.Options)), ct);
        return view;
    }
}
