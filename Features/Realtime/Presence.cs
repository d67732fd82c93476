using System.Collections.Concurrent;
using System.Globalization;
using Dapper;
using Shoot.Features.Users;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Realtime;

/// <summary>
/// User presence: ONLINE while any STOMP session of the user is open on any instance, OFFLINE once the last one closes.
/// Each session is a member of the user's expiring set, refreshed every <see cref="RefreshEvery"/> and expiring after
/// <see cref="Ttl"/>, so the sessions of an instance that dies without cleanup lapse by themselves.
/// The users table follows the transitions (ONLINE on connect unless BUSY/AWAY was chosen; OFFLINE and last_seen_at
/// when the last session closes), but a connect and a last disconnect racing on two instances, or a dead instance, can
/// leave it stale — so reads of a user's status (<see cref="ApplyAsync"/>) take the live sessions as the truth.
/// </summary>
public sealed class Presence(IExpiringSetStore sets, ISqlDatabase database, TimeProvider clock) : IStompSessionListener
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Ttl = RefreshEvery * 3;

    private readonly ConcurrentDictionary<string, long> _localSessions = new(StringComparer.Ordinal);

    public async ValueTask OnConnectedAsync(IStompSession session)
    {
        var userId = long.Parse(session.Principal.UserId, CultureInfo.InvariantCulture);
        _localSessions[session.SessionId] = userId;
        await sets.AddAsync(Key(userId), session.SessionId, Ttl);
        // A chosen BUSY/AWAY stays as it is (docs/api.md §2: kept while online); anything else becomes ONLINE.
        await ExecuteAsync("""
            UPDATE users SET status = 'ONLINE', last_seen_at = @now, updated_at = @now
            WHERE id = @userId AND status NOT IN ('BUSY', 'AWAY')
            """, userId);
    }

    public async ValueTask OnDisconnectedAsync(IStompSession session)
    {
        if (!_localSessions.TryRemove(session.SessionId, out var userId))
            return;
        await sets.RemoveAsync(Key(userId), session.SessionId);
        if ((await sets.MembersAsync(Key(userId))).Count == 0)
            await ExecuteAsync("UPDATE users SET status = 'OFFLINE', last_seen_at = @now, updated_at = @now WHERE id = @userId", userId);
    }

    /// <summary>Keeps this instance's sessions alive in the shared sets.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        foreach (var (sessionId, userId) in _localSessions)
            await sets.AddAsync(Key(userId), sessionId, Ttl, ct);
        var userIds = _localSessions.Values.Distinct().ToArray();
        if (userIds.Length == 0)
            return;
        // Should this instance die, its users' lastSeenAt is then at most one refresh old rather than their connect time.
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(
            database.Sql(sqlite: "UPDATE users SET last_seen_at = @now WHERE id IN @userIds",
                postgres: "UPDATE users SET last_seen_at = @now WHERE id = ANY(@userIds)"),
            new { userIds, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    public async Task<bool> IsOnlineAsync(long userId, CancellationToken ct) => (await sets.MembersAsync(Key(userId), ct)).Count > 0;

    /// <summary>The status to show: OFFLINE without a live session; with one, the chosen BUSY/AWAY, otherwise ONLINE.</summary>
    public async Task<UserRow> ApplyAsync(UserRow row, CancellationToken ct)
    {
        row.Status = !await IsOnlineAsync(row.Id, ct) ? "OFFLINE" : row.Status is "BUSY" or "AWAY" ? row.Status : "ONLINE";
        return row;
    }

    private async Task ExecuteAsync(string sql, long userId)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(sql, new { userId, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    private static string Key(long userId) => "presence:user:" + userId.ToString(CultureInfo.InvariantCulture);
}
