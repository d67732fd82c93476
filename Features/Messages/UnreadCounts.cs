using Dapper;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Messages;

/// <summary>
/// Unread counts as clients see them — room lists, mark-read answers and the SSE <c>room-update</c>/<c>unread</c>
/// events — all from the unread ledger (<see cref="IUnreadLedger"/>), counted from the participants' positions
/// (<c>room_participants.last_read_seq</c>). So a message counts the moment it is accepted, not when it is stored,
/// and every view agrees.
/// </summary>
public sealed class UnreadCounts(IUnreadLedger ledger, ISqlDatabase database)
{
    private const string RoomSql = "SELECT user_id AS UserId, last_read_seq AS ReadSeq, id AS MemberId FROM room_participants WHERE room_id = @roomId";

    /// <summary>
    /// The counts of a room's participants (or only of <paramref name="userIds"/>), each with their total over all their
    /// rooms. Each membership is a participants row, so the ledger can tell a list read before a leave or a rejoin.
    /// </summary>
    public async Task<IReadOnlyList<UnreadCount>> ForRoomAsync(long roomId, IReadOnlyCollection<long>? userIds = null, CancellationToken ct = default) =>
        await CountAsync(roomId, await ReadersAsync(roomId, userIds, ct), ct);

    /// <summary>
    /// As <see cref="ForRoomAsync"/>, for the participants among them who are SSE listeners (<see cref="SseListeners"/>):
    /// what room activity is announced with. The others are not counted at all, so their counts cost nothing per message.
    /// </summary>
    public async Task<IReadOnlyList<UnreadCount>> ForListenersAsync(long roomId, IReadOnlyCollection<long>? userIds, SseListeners listeners, CancellationToken ct)
    {
        var readers = await ReadersAsync(roomId, userIds, ct);
        var listening = await listeners.AmongAsync(readers.Select(r => r.UserId).ToList(), ct);
        return await CountAsync(roomId, readers.Where(r => listening.Contains(r.UserId)).ToList(), ct);
    }

    private async Task<List<ReaderSeq>> ReadersAsync(long roomId, IReadOnlyCollection<long>? userIds, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var readers = await connection.QueryAsync<ReaderSeq>(new CommandDefinition(
            userIds is null ? RoomSql : RoomSql + database.Sql(sqlite: " AND user_id IN @userIds", postgres: " AND user_id = ANY(@userIds)"),
            new { roomId, userIds = userIds?.ToArray() }, cancellationToken: ct));
        return readers.ToList();
    }

    private async Task<IReadOnlyList<UnreadCount>> CountAsync(long roomId, List<ReaderSeq> readers, CancellationToken ct)
    {
        if (readers.Count == 0)
            return [];
        var counts = await ledger.RefreshRoomAsync(roomId, readers, ct);
        if (counts.All(c => c.Total is not null))
            return counts;
        // Users whose totals the ledger does not hold yet (first count since a start, or idle for a week): count all their rooms once.
        var complete = new List<UnreadCount>(counts.Count);
        foreach (var count in counts)
            complete.Add(count.Total is not null ? count : (await ForUserAsync(count.UserId, ct)).FirstOrDefault(c => c.RoomId == roomId) ?? count);
        return complete;
    }

    /// <summary>The counts of every room of a user, with their total.</summary>
    public async Task<IReadOnlyList<UnreadCount>> ForUserAsync(long userId, CancellationToken ct = default)
    {
        IEnumerable<RoomReadSeq> rooms;
        await using (var connection = await database.OpenAsync(ct))
        {
            rooms = await connection.QueryAsync<RoomReadSeq>(new CommandDefinition(
                "SELECT room_id AS RoomId, last_read_seq AS ReadSeq, id AS MemberId FROM room_participants WHERE user_id = @userId", new { userId }, cancellationToken: ct));
        }
        return await ledger.RefreshUserAsync(userId, rooms.ToList(), ct);
    }
}
