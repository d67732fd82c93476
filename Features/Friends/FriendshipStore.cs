using System.Data.Common;
using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Friends;

/// <summary>
/// The reads and writes the friend slices share, and the one way they change a pair: <see cref="InPairTransactionAsync"/>.
/// <para>
/// Why a per-pair lock and not constraints alone: the unique keys (friendship primary key, one pending request per
/// unordered pair) keep duplicates out, but "no pending request between friends" spans two tables, and under READ
/// COMMITTED a send that checks "not friends" can run while an accept of the opposite request commits, leaving a stray
/// pending request between new friends. Serialising every change of one pair closes that: PostgreSQL takes a
/// transaction-scoped advisory lock on the pair; SQLite needs nothing more, because Microsoft.Data.Sqlite begins
/// transactions IMMEDIATE and so runs writers one at a time. On PostgreSQL different pairs never wait for each other (a
/// hash collision of two pairs only serialises them, which is harmless).
/// </para>
/// </summary>
public sealed class FriendshipStore(ISqlDatabase database)
{
    // Namespaces our advisory locks (two-int form) apart from the migrator's single-bigint lock and anyone else's.
    private const int PairLockClass = 0x46524E44; // "FRND"

    private const string RequestColumns = "id, from_user_id, to_user_id, status, created_at";

    public async Task<T> InPairTransactionAsync<T>(long userA, long userB, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (database.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@PairLockClass, @key)",
                new { PairLockClass, key = PairKey(userA, userB) }, transaction);
        }
        var result = await work(connection, transaction);
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <summary>Reads on a connection of their own, outside any transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await read(connection);
    }

    public static async Task<bool> AreFriendsAsync(DbConnection connection, DbTransaction? transaction, long userId, long otherId) =>
        await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM friendships WHERE user_id = @userId AND friend_id = @otherId", new { userId, otherId }, transaction) > 0;

    /// <summary>The pending request between the two users in either direction (there is at most one).</summary>
    public static Task<FriendRequestRow?> FindPendingAsync(DbConnection connection, DbTransaction transaction, long userA, long userB) =>
        connection.QuerySingleOrDefaultAsync<FriendRequestRow>($"""
            SELECT {RequestColumns} FROM friend_requests
            WHERE status = 'PENDING'
              AND ((from_user_id = @userA AND to_user_id = @userB) OR (from_user_id = @userB AND to_user_id = @userA))
            """, new { userA, userB }, transaction);

    public static Task<FriendRequestRow?> FindRequestAsync(DbConnection connection, DbTransaction? transaction, long requestId) =>
        connection.QuerySingleOrDefaultAsync<FriendRequestRow>(
            $"SELECT {RequestColumns} FROM friend_requests WHERE id = @requestId", new { requestId }, transaction);

    public static async Task<IReadOnlyList<FriendRequest>> PendingOfAsync(DbConnection connection, long userId) =>
        (await connection.QueryAsync<FriendRequestRow>($"""
            SELECT {RequestColumns} FROM friend_requests
            WHERE status = 'PENDING' AND (from_user_id = @userId OR to_user_id = @userId)
            ORDER BY created_at DESC, id DESC
            """, new { userId })).Select(r => r.ToView()).ToList();

    /// <summary>Marks a pending request accepted and makes the two users friends (both directions, see the migration).</summary>
    public static async Task<FriendRequest> AcceptAsync(DbConnection connection, DbTransaction transaction, FriendRequestRow request, long now)
    {
        await SetStatusAsync(connection, transaction, request.Id, FriendRequestStatus.Accepted, now);
        await connection.ExecuteAsync("""
            INSERT INTO friendships (user_id, friend_id, created_at) VALUES (@a, @b, @now), (@b, @a, @now)
            ON CONFLICT DO NOTHING
            """, new { a = request.FromUserId, b = request.ToUserId, now }, transaction);
        return request.ToView() with { Status = FriendRequestStatus.Accepted };
    }

    /// <summary>Ends a pending request. Returns false when it was no longer pending.</summary>
    public static async Task<bool> SetStatusAsync(DbConnection connection, DbTransaction transaction, long requestId, FriendRequestStatus status, long now) =>
        await connection.ExecuteAsync(
            "UPDATE friend_requests SET status = @status, responded_at = @now WHERE id = @requestId AND status = 'PENDING'",
            new { status = StatusName(status), now, requestId }, transaction) == 1;

    public static string StatusName(FriendRequestStatus status) => status.ToString().ToUpperInvariant();

    /// <summary>The same key for (a, b) and (b, a), stable across processes (unlike HashCode).</summary>
    internal static int PairKey(long userA, long userB)
    {
        var (low, high) = userA < userB ? (userA, userB) : (userB, userA);
        var mixed = unchecked((ulong)low * 0x9E3779B97F4A7C15UL ^ (ulong)high);
        return unchecked((int)(mixed ^ (mixed >> 32)));
    }
}

/// <summary>A friend_requests row as Dapper reads it.</summary>
public sealed class FriendRequestRow
{
    public long Id { get; set; }
    public long FromUserId { get; set; }
    public long ToUserId { get; set; }
    public string Status { get; set; } = "";
    public long CreatedAt { get; set; }

    public bool IsPending => Status == "PENDING";

    public FriendRequest ToView() => new(Id, FromUserId, ToUserId, Enum.Parse<FriendRequestStatus>(Status, ignoreCase: true),
        DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt));
}
