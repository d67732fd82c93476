using Dapper;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Sse;

/// <summary>A participant's read position moved (published by mark-read, REST or STOMP).</summary>
public sealed record ReadPositionMoved(long RoomId, long UserId) : INotification;

/// <summary>
/// The unread-driven events of contract §7: <c>room-update</c> on the updates stream and <c>unread</c> on the unread
/// stream. New messages are announced when accepted (by <see cref="RoomActivityAnnouncer"/>, so a client's room list
/// moves the moment the message is delivered); a read tells the reader; leaving a room takes it out of the total.
/// Counts come from <see cref="UnreadCounts"/>: no message-store query per event.
/// </summary>
public sealed class RoomActivityStreams(SsePublisher sse, ISqlDatabase database, UnreadCounts unread, IUnreadLedger ledger)
    : INotificationHandler<ReadPositionMoved>, INotificationHandler<RoomRemoved>
{
    private const string RoomSql = "SELECT " + RoomRow.Columns + " FROM rooms r WHERE r.id = @roomId";

    /// <summary>
    /// Tells participants of a room (all, or <paramref name="userIds"/>) its count and last message: the
    /// <paramref name="latest"/> one accepted, or the room's stored lastMessage. Everyone gets <c>room-update</c>;
    /// <c>unread</c> goes to those whose count may have changed (not to a sender whose own messages were all that came).
    /// </summary>
    public async Task AnnounceAsync(long roomId, LastMessage? latest, Func<long, bool> unreadChangedFor, IReadOnlyCollection<long>? userIds,
        CancellationToken ct)
    {
        var counts = await unread.ForRoomAsync(roomId, userIds, ct: ct);
        if (counts.Count == 0)
            return;
        var (lastMessage, lastActiveAt) = latest is not null ? (latest, latest.CreatedAt) : await StoredLastMessageAsync(roomId, ct);
        foreach (var count in counts)
        {
            await sse.PublishAsync(SseStreams.Updates(count.UserId), "room-update",
                new { roomId, unreadCount = count.Count, lastMessage, lastActiveAt }, ct);
            if (unreadChangedFor(count.UserId))
                await sse.PublishAsync(SseStreams.Unread(count.UserId), "unread",
                    new { roomId, unreadCount = count.Count, totalUnread = count.Total ?? count.Count }, ct);
        }
    }

    public async ValueTask Handle(ReadPositionMoved notification, CancellationToken ct) =>
        await AnnounceAsync(notification.RoomId, latest: null, _ => true, [notification.UserId], ct);

    /// <summary>A room the user left no longer counts: their total drops by what it held.</summary>
    public async ValueTask Handle(RoomRemoved notification, CancellationToken ct)
    {
        if (await ledger.ForgetAsync(notification.UserId, notification.RoomId, ct) is { } total)
            await sse.PublishAsync(SseStreams.Unread(notification.UserId), "unread",
                new { roomId = notification.RoomId, unreadCount = 0, totalUnread = total }, ct);
    }

    private async Task<(LastMessage? LastMessage, DateTimeOffset? LastActiveAt)> StoredLastMessageAsync(long roomId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var room = await connection.QuerySingleOrDefaultAsync<RoomRow>(new CommandDefinition(RoomSql, new { roomId, caller = 0L }, cancellationToken: ct));
        return room is null ? (null, null) : (room.ToLastMessage(), RoomNames.Time(room.LastActiveAt));
    }
}
