using System.Data.Common;
using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>What the caller is in one room: the room's type and the caller's role there.</summary>
public sealed record Membership(long RoomId, RoomType Type, ParticipantRole Role)
{
    /// <summary>
    /// Who may change a room's settings, members and notice (and, for the messaging work, pins): a GROUP room's OWNER and
    /// ADMINs; in an INDIVIDUAL room both sides are equal, so either.
    /// </summary>
    public bool CanModerate => Type == RoomType.Individual || Role is ParticipantRole.Owner or ParticipantRole.Admin;

    public Membership EnsureCanModerate(string action) =>
        CanModerate ? this : throw ShootException.Forbidden($"Only the room's owner or an admin may {action}.");
}

/// <summary>
/// The one membership check every room and message slice uses. A room the caller is not in is reported as not found,
/// never as forbidden, so nobody can probe which room ids exist (docs/api.md §1).
/// </summary>
public sealed class RoomMembership(ISqlDatabase database, ParticipantCache participants)
{
    private const string MembershipSql = """
        SELECT r.type, p.role FROM rooms r JOIN room_participants p ON p.room_id = r.id
        WHERE r.id = @roomId AND p.user_id = @userId
        """;

    private const string InsertSql = """
        INSERT INTO room_participants (room_id, user_id, role, joined_at) VALUES (@roomId, @userId, @role, @now)
        ON CONFLICT (room_id, user_id) DO NOTHING
        """;

    public static ShootException RoomNotFound() => ShootException.NotFound("The room");

    public async Task<Membership?> FindAsync(long roomId, long userId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<MembershipRow>(MembershipSql, new { roomId, userId });
        return row?.ToMembership(roomId);
    }

    public async Task<bool> IsParticipantAsync(long roomId, long userId, CancellationToken ct = default) =>
        await FindAsync(roomId, userId, ct) is not null;

    public async Task<ParticipantRole?> GetRoleAsync(long roomId, long userId, CancellationToken ct = default) =>
        (await FindAsync(roomId, userId, ct))?.Role;

    /// <summary>
    /// 404 NOT_FOUND unless the caller is in the room, answered from <see cref="ParticipantCache"/> when it can be (the
    /// send path: one check per message). For checks that need the role, use <see cref="EnsureParticipantAsync(long, long, CancellationToken)"/>.
    /// </summary>
    public async Task EnsureCanPostAsync(long roomId, long userId, CancellationToken ct = default)
    {
        if (participants.IsKnownParticipant(roomId, userId))
            return;
        var version = participants.VersionOf(userId);
        _ = await FindAsync(roomId, userId, ct) ?? throw RoomNotFound();
        participants.Remember(roomId, userId, version);
    }

    /// <summary>The caller's membership, or 404 NOT_FOUND when they are not in the room (or it does not exist).</summary>
    public async Task<Membership> EnsureParticipantAsync(long roomId, long userId, CancellationToken ct = default) =>
        await FindAsync(roomId, userId, ct) ?? throw RoomNotFound();

    /// <summary>
    /// The same check inside a write transaction, for slices that change a room's membership. On PostgreSQL it locks the
    /// room row, so concurrent changes to one room (two leaving at once, adds racing the size cap, an owner hand-over)
    /// run one after another; SQLite write transactions (BEGIN IMMEDIATE) are already serialised.
    /// </summary>
    public async Task<Membership> EnsureParticipantAsync(DbConnection connection, DbTransaction transaction, long roomId, long userId) =>
        await FindAsync(connection, transaction, roomId, userId) ?? throw RoomNotFound();

    /// <summary>Someone's membership inside a write transaction (locking the room row as above), or null.</summary>
    public async Task<Membership?> FindAsync(DbConnection connection, DbTransaction transaction, long roomId, long userId)
    {
        // The lock is its own statement: a statement that waits for a row lock still reads the snapshot it started
        // with, so reading roles in the locking statement itself could see them as they were before the wait.
        if (database.Dialect == SqlDialect.Postgres)
            await connection.ExecuteAsync("SELECT id FROM rooms WHERE id = @roomId FOR UPDATE", new { roomId }, transaction);
        var row = await connection.QuerySingleOrDefaultAsync<MembershipRow>(MembershipSql, new { roomId, userId }, transaction);
        return row?.ToMembership(roomId);
    }

    /// <summary>Adds users to a room (inside the caller's transaction); those already in keep their role. Returns who was added.</summary>
    public static async Task<IReadOnlyList<long>> AddAsync(
        DbConnection connection, DbTransaction transaction, long roomId, IEnumerable<long> userIds, ParticipantRole role, long now)
    {
        var added = new List<long>();
        foreach (var userId in userIds)
        {
            if (await connection.ExecuteAsync(InsertSql, new { roomId, userId, role = RoomNames.RoleName(role), now }, transaction) > 0)
                added.Add(userId);
        }
        return added;
    }

    private sealed class MembershipRow
    {
        public string Type { get; set; } = "";
        public string Role { get; set; } = "";

        public Membership ToMembership(long roomId) => new(roomId, RoomNames.ParseType(Type), RoomNames.ParseRole(Role));
    }
}
