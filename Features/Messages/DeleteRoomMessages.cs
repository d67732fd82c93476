using Shoot.Features.Rooms;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// When the last participant leaves, the room is gone (docs/api.md §4) and so are its messages: nobody can read them any
/// more, and keeping them would keep data that no user owns.
/// </summary>
public sealed class DeleteRoomMessages(IMessageStore store) : INotificationHandler<RoomDeleted>
{
    public async ValueTask Handle(RoomDeleted notification, CancellationToken cancellationToken) =>
        await store.DeleteRoomAsync(notification.RoomId, cancellationToken);
}
