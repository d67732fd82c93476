using Dapper;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Sse;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Sse;

/// <summary>
/// The unread-driven events of docs/api.md §7: <c>room-update</c> on the updates stream and <c>unread</c> on the unread
/// stream, announced by <see cref="RoomActivityAnnouncer"/> (one room at a time across instances, so a client never
/// sees an older count after a newer one), and <c>unread</c> with the new total when a user leaves a room. Counts come
/// from <see cref="UnreadCounts"/>: no message-store query per event.
/// </summary>
public sealed class RoomActivityStreams(SsePublisher sse, ISqlDatabase database, IMessageSequencer sequencer, UnreadCounts unread, IUnreadLedger ledger,
    SseListeners listeners, MessageTextCodec codec)
    : INotificationHandler<RoomRemoved>
{
    private const string RoomSql = "SELECT " + RoomRow.Columns + " FROM rooms r WHERE r.id = @roomId";

    /// <summary>
    /// Tells participants of a room (all, or only <paramref name="userIds"/>) who are SSE listeners their count and the
    /// room's last message: <c>room-update</c> to each, <c>unread</c> to those <paramref name="unreadFor"/> names. One
    /// batch on the bus; nothing at all when none of them is a listener.
    /// </summary>
    public async Task AnnounceAsync(long roomId, IReadOnlyCollection<long>? userIds, Func<long, bool> unreadFor, CancellationToken ct)
    {
        var counts = await unread.ForListenersAsync(roomId, userIds, listeners, ct);
        if (counts.Count == 0)
            return;
        var (lastMessage, lastActiveAt) = await LastMessageAsync(roomId, ct);
        var events = new List<BusEvent>(counts.Count * 2);
        foreach (var count in counts)
        {
            events.Add(SsePublisher.Event(SseStreams.Updates(count.UserId), "room-update",
                new { roomId, unreadCount = count.Count, lastMessage, lastActiveAt }));
            if (unreadFor(count.UserId))
                events.Add(SsePublisher.Event(SseStreams.Unread(count.UserId), "unread",
                    new { roomId, unreadCount = count.Count, totalUnread = count.Total ?? count.Count }));
        }
        await sse.PublishManyAsync(events, ct);
    }

    /// <summary>A room the user left no longer counts: their total drops by what it held.</summary>
    public async ValueTask Handle(RoomRemoved notification, CancellationToken ct)
    {
        if (await ledger.ForgetAsync(notification.UserId, notification.RoomId, ct) is { } total)
            await sse.PublishAsync(SseStreams.Unread(notification.UserId), "unread",
                new { roomId = notification.RoomId, unreadCount = 0, totalUnread = total }, ct);
    }

    /// <summary>
    /// The newest message delivered: the ring's newest when the store has not caught up with it yet (it is then not
    /// edited or deleted either: both need it stored), else the room's stored lastMessage, which shows edits and deletes.
    /// </summary>
    private async Task<(LastMessage? LastMessage, DateTimeOffset? LastActiveAt)> LastMessageAsync(long roomId, CancellationToken ct)
    {
        RoomRow? room;
        await using (var connection = await database.OpenAsync(ct))
            room = await connection.QuerySingleOrDefaultAsync<RoomRow>(new CommandDefinition(RoomSql, new { roomId, caller = 0L }, cancellationToken: ct));
        if (room is null)
            return (null, null);
        var (stored, storedActiveAt) = (room.ToLastMessage(codec), RoomNames.Time(room.LastActiveAt));
        if (await sequencer.LatestAsync(roomId, ct) is not { } newest)
            return (stored, storedActiveAt);
        var accepted = AcceptedMessage.From(roomId, newest);
        return stored is null || string.CompareOrdinal(accepted.Id, stored.Id) > 0
            ? (new LastMessage(accepted.Id, accepted.Text, accepted.SenderId, accepted.CreatedAt), Max(accepted.CreatedAt, storedActiveAt))
            : (stored, storedActiveAt);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
