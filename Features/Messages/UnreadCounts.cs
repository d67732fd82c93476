using Dapper;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Persistence;

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
    public async Task<IReadOnlyList<UnreadCount>> ForRoomAsync(long roomId, IReadOnlyCollection<long>? userIds = null, CancellationToken ct = default)
    {
        IEnumerable<ReaderSeq> readers;
        await using (var connection = await database.OpenAsync(ct))
        {
            readers = await connection.QueryAsync<ReaderSeq>(new CommandDefinition(
                userIds is null ? RoomSql : RoomSql + database.Sql(sqlite: " AND user_id IN @userIds", postgres: " AND user_id = ANY(@userIds)"),
                new { roomId, userIds = userIds?.ToArray() }, cancellationToken: ct));
        }
        var counts = await ledger.RefreshRoomAsync(roomId, readers.ToList(), ct);
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
