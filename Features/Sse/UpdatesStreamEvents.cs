using Dapper;
using Shoot.Features.Friends;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Sse;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Sse;

/// <summary>
/// What the updates stream announces (docs/api.md §7) from the room and friend events: room-created (each participant's
/// own RoomSummary), room-removed, friend-added and friend-removed to both sides.
/// </summary>
public sealed class UpdatesStreamEvents(SsePublisher sse, ISqlDatabase database, UnreadCounts unread, MessageTextCodec codec)
    : INotificationHandler<RoomCreated>, INotificationHandler<ParticipantsChanged>, INotificationHandler<RoomRemoved>,
      INotificationHandler<FriendAdded>, INotificationHandler<FriendRemoved>
{
    // The summary as its viewer sees it in the room list (INDIVIDUAL rooms are titled with the other side's nickname).
    private const string SummarySql = ListRooms.FromMyRooms + " WHERE r.id = @roomId";

    public async ValueTask Handle(RoomCreated notification, CancellationToken ct)
    {
        foreach (var userId in notification.ParticipantIds)
            await AnnounceRoomAsync(notification.RoomId, userId, ct);
    }

    /// <summary>Users added to an existing room see it appear, as if it were created for them.</summary>
    public async ValueTask Handle(ParticipantsChanged notification, CancellationToken ct)
    {
        foreach (var userId in notification.Added)
            await AnnounceRoomAsync(notification.RoomId, userId, ct);
    }

    public async ValueTask Handle(RoomRemoved notification, CancellationToken ct) =>
        await sse.PublishAsync(SseStreams.Updates(notification.UserId), "room-removed", new { roomId = notification.RoomId }, ct);

    public async ValueTask Handle(FriendAdded notification, CancellationToken ct)
    {
        await sse.PublishAsync(SseStreams.Updates(notification.UserId), "friend-added", new { userId = notification.FriendId }, ct);
        await sse.PublishAsync(SseStreams.Updates(notification.FriendId), "friend-added", new { userId = notification.UserId }, ct);
    }

    public async ValueTask Handle(FriendRemoved notification, CancellationToken ct)
    {
        await sse.PublishAsync(SseStreams.Updates(notification.UserId), "friend-removed", new { userId = notification.FriendId }, ct);
        await sse.PublishAsync(SseStreams.Updates(notification.FriendId), "friend-removed", new { userId = notification.UserId }, ct);
    }

    private async Task AnnounceRoomAsync(long roomId, long userId, CancellationToken ct)
    {
        RoomRow? row;
        await using (var connection = await database.OpenAsync(ct))
            row = await connection.QuerySingleOrDefaultAsync<RoomRow>(SummarySql, new { caller = userId, roomId });
        if (row is null)
            return;
        // A user added back into a room they had left is a new membership: it counts again from here.
        var count = (await unread.ForRoomAsync(roomId, [userId], ct)).FirstOrDefault();
        await sse.PublishAsync(SseStreams.Updates(userId), "room-created", row.ToSummary(count?.Count ?? 0, codec), ct);
        if (count is { Count: > 0 })
            await sse.PublishAsync(SseStreams.Unread(userId), "unread", new { roomId, unreadCount = count.Count, totalUnread = count.Total ?? count.Count }, ct);
    }
}
