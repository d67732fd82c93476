using Dapper;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Rooms;

/// <summary>The room reads several slices share. The caller's membership must be checked before (RoomMembership).</summary>
public sealed class RoomDirectory(ISqlDatabase database, MessageTextCodec codec)
{
    private const string RoomSql = $"SELECT {RoomRow.Columns} FROM rooms r WHERE r.id = @roomId";

    private const string ParticipantsSql = """
        SELECT p.user_id, u.nickname, p.role, p.joined_at, p.last_read_message_id
        FROM room_participants p JOIN users u ON u.id = p.user_id
        WHERE p.room_id = @roomId ORDER BY p.id
        """;

    /// <summary>The room as <paramref name="viewerId"/> sees it (an INDIVIDUAL room is titled with the other side's nickname).</summary>
    public async Task<Room> GetRoomAsync(long roomId, long viewerId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RoomRow>(RoomSql, new { roomId, caller = viewerId })
            ?? throw RoomMembership.RoomNotFound();
        var participants = await connection.QueryAsync<ParticipantRow>(ParticipantsSql, new { roomId });
        return row.ToRoom(participants.Select(p => p.ToParticipant()).ToList(), codec);
    }

    /// <summary>Participants in join order (the first is the longest-standing).</summary>
    public async Task<IReadOnlyList<Participant>> GetParticipantsAsync(long roomId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ParticipantRow>(ParticipantsSql, new { roomId });
        return rows.Select(p => p.ToParticipant()).ToList();
    }
}
