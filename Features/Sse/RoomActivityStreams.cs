using Dapper;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Sse;

/// <summary>A participant's read position moved (published by mark-read, REST or STOMP).</summary>
public sealed record ReadPositionMoved(long RoomId, long UserId) : INotification;

/// <summary>
/// The message-driven events of contract §7: when messages of a room are stored, every participant's updates stream
/// gets <c>room-update</c> and every participant whose count changed gets <c>unread</c>; when a reader's position moves,
/// the reader gets both for that room. Counts come from the store, so they follow storage (SAVED), not the broadcast.
/// Cost: one unread count per (participant, room of that participant) — fine for rooms of tens of people in tens of
/// rooms; large groups want a per-user unread cache (not built yet).
/// </summary>
public sealed class RoomActivityStreams(SsePublisher sse, ISqlDatabase database, IMessageStore messages)
    : INotificationHandler<ReadPositionMoved>
{
    private sealed class PositionRow
    {
        public long RoomId { get; set; }
        public long UserId { get; set; }
        public string? LastReadMessageId { get; set; }
    }

    /// <summary>New messages from <paramref name="senders"/> were stored in the room: tell every participant.</summary>
    public async Task AnnounceStoredAsync(long roomId, IReadOnlySet<long> senders, CancellationToken ct)
    {
        IEnumerable<PositionRow> participants;
        await using (var connection = await database.OpenAsync(ct))
            participants = await connection.QueryAsync<PositionRow>(
                "SELECT room_id, user_id, last_read_message_id FROM room_participants WHERE room_id = @roomId", new { roomId });
        // A participant's unread count changed unless every new message was their own.
        foreach (var participant in participants)
            await AnnounceAsync(roomId, participant.UserId, unread: !(senders.Count == 1 && senders.Contains(participant.UserId)), ct);
    }

    public async ValueTask Handle(ReadPositionMoved notification, CancellationToken ct) =>
        await AnnounceAsync(notification.RoomId, notification.UserId, unread: true, ct);
    private async Task AnnounceAsync(long roomId, long userId, bool unread, CancellationToken ct)
    {
        List<PositionRow> positions;
        RoomRow? room;
        await using (var connection = await database.OpenAsync(ct))
        {
            positions = (await connection.QueryAsync<PositionRow>(
                "SELECT room_id, user_id, last_read_message_id FROM room_participants WHERE user_id = @userId", new { userId })).ToList();
            room = await connection.QuerySingleOrDefaultAsync<RoomRow>(ListRooms.FromMyRooms + " WHERE r.id = @roomId", new { caller = userId, roomId });
        }
        if (room is null)
            return;
        var counts = new Dictionary<long, long>();
        foreach (var position in unread ? positions : positions.Where(p => p.RoomId == roomId))
            counts[position.RoomId] = await messages.CountUnreadAsync(position.RoomId, position.LastReadMessageId, userId, ct);
        await sse.PublishAsync(SseStreams.Updates(userId), "room-update",
            new { roomId, unreadCount = counts[roomId], lastMessage = room.ToLastMessage(), lastActiveAt = RoomNames.Time(room.LastActiveAt) }, ct);
        if (unread)
            await sse.PublishAsync(SseStreams.Unread(userId), "unread", new { roomId, unreadCount = counts[roomId], totalUnread = counts.Values.Sum() }, ct);
    }
}
