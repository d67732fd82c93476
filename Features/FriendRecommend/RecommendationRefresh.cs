using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.Coordination;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Friends;

/// <summary>The periodic precompute of friend recommendations (<c>Shoot:Friends</c>; docs/friends.md).</summary>
public sealed class FriendRecommendationOptions
{
    public const string Section = "Shoot:Friends";

    /// <summary>Off: recommendations are only computed on request (and cached), as before.</summary>
    public bool RecommendationRefreshEnabled { get; set; } = true;

    /// <summary>
    /// How often the active users' first page is recomputed. Below the cache's ten-minute lifetime, so an active user's
    /// entry never lapses between two rounds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RecommendationRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Active: seen by presence (connected, disconnected, status changed) or signed in / refreshed a token within this.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan RecommendationRefreshActiveWithin { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most users one round refreshes, the most recently seen first: bounds a round's load on the database.</summary>
    [Range(1, 1_000_000)]
    public int RecommendationRefreshMaxUsers { get; set; } = 1000;
}

/// <summary>What one round did.</summary>
public enum RefreshOutcome
{
    /// <summary>This instance refreshed the active users' entries.</summary>
    Refreshed,

    /// <summary>Another instance holds the lock: its round is running.</summary>
    SkippedHeldElsewhere,

    /// <summary>A round finished less than an interval ago (on any instance): nothing to do yet.</summary>
    SkippedRecentlyDone,

    /// <summary>The lock's Redis could not be reached: skipped (requests still compute on a miss).</summary>
    SkippedUnavailable,
}

public sealed record RefreshRound(RefreshOutcome Outcome, int Users);

/// <summary>
/// The seed's periodic precompute: one round recomputes the first page (default limit, depth and skip, the page clients
/// ask for) of every recently active user who has friends, into <see cref="RecommendationCache"/>, so their next request
/// is a hit. One instance at a time runs a round, under <see cref="IInstanceLock"/> (RedLock.net on the shared Redis when
/// scaled; in-process when embedded, one instance); a marker in the shared cache tells the other instances that the
/// round of this interval is done, so a round runs once per interval however many instances there are. Requests keep
/// computing on a miss: the precompute only warms the cache, nothing waits for it.
/// </summary>
public sealed partial class RecommendationRefresher(
    ISqlDatabase database, ICache cache, IServiceScopeFactory scopes, IInstanceLock instanceLock,
    IOptionsMonitor<FriendRecommendationOptions> options, TimeProvider clock, ILogger<RecommendationRefresher> logger)
{
    public const string LockResource = "shoot:friend-recs:refresh";

    /// <summary>
    /// Long enough for any round: RedLock.net extends it while the holder lives, so this only bounds how long a crashed
    /// holder keeps the others out.
    /// </summary>
    public static readonly TimeSpan LockExpiry = TimeSpan.FromMinutes(1);

    private const string DoneMarkerKey = "friend-recs-refreshed";

    /// <summary>
    /// Recently active users with at least one friend (a user without friends has no recommendations: nothing to warm),
    /// not deleted, the most recently seen first. The same text for both dialects.
    /// </summary>
    internal const string ActiveUsersSql = """
        SELECT id FROM users
        WHERE deleted_at IS NULL
          AND (last_seen_at >= @since OR id IN (SELECT user_id FROM refresh_tokens WHERE created_at >= @since))
          AND EXISTS (SELECT 1 FROM friendships WHERE friendships.user_id = users.id)
        ORDER BY COALESCE(last_seen_at, 0) DESC, id
        LIMIT @max
        """;

    /// <summary>One round, unless another instance runs one or one ran within the interval. Failures of the database propagate.</summary>
    public async Task<RefreshRound> RefreshAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        InstanceLockAttempt attempt;
        try
        {
            attempt = await instanceLock.TryAcquireAsync(LockResource, LockExpiry, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLockUnavailable(logger, e);
            return new RefreshRound(RefreshOutcome.SkippedUnavailable, 0);
        }
        await using (attempt)
        {
            switch (attempt.Refusal)
            {
                case InstanceLockRefusal.HeldElsewhere:
                    LogHeldElsewhere(logger);
                    return new RefreshRound(RefreshOutcome.SkippedHeldElsewhere, 0);
                case InstanceLockRefusal.Unavailable:
                    LogLockUnavailable(logger, null);
                    return new RefreshRound(RefreshOutcome.SkippedUnavailable, 0);
            }
            if (await cache.GetAsync(DoneMarkerKey, ct) is not null)
                return new RefreshRound(RefreshOutcome.SkippedRecentlyDone, 0);

            var users = await ActiveUsersAsync(settings, ct);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var recommendations = scope.ServiceProvider.GetRequiredService<RecommendationCache>();
                var handler = new RecommendFriends.Handler(database, recommendations);
                foreach (var userId in users)
                {
                    await recommendations.RefreshAsync(userId, RecommendFriends.DefaultMaxDepth, 0, RecommendFriends.DefaultLimit,
                        () => handler.RankAsync(userId, RecommendFriends.DefaultMaxDepth, RecommendFriends.DefaultLimit, 0, ct), ct);
                }
            }
            // A little under the interval, so the next interval's round is never turned away by this one's marker.
            await cache.SetAsync(DoneMarkerKey, clock.GetUtcNow().ToString("O"), settings.RecommendationRefreshInterval * 0.9, ct);
            LogRefreshed(logger, users.Count);
            return new RefreshRound(RefreshOutcome.Refreshed, users.Count);
        }
    }

    private async Task<IReadOnlyList<long>> ActiveUsersAsync(FriendRecommendationOptions settings, CancellationToken ct)
    {
        var since = (clock.GetUtcNow() - settings.RecommendationRefreshActiveWithin).ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<long>(new CommandDefinition(
            ActiveUsersSql, new { since, max = settings.RecommendationRefreshMaxUsers }, cancellationToken: ct))).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Friend recommendations refreshed for {Users} active user(s)")]
    private static partial void LogRefreshed(ILogger logger, int users);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Friend recommendation refresh skipped: another instance is running it")]
    private static partial void LogHeldElsewhere(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Friend recommendation refresh skipped: its lock (Redis) is unavailable; requests still compute on a miss")]
    private static partial void LogLockUnavailable(ILogger logger, Exception? exception);
}

/// <summary>Runs <see cref="RecommendationRefresher"/> every <see cref="FriendRecommendationOptions.RecommendationRefreshInterval"/> (from one interval after start).</summary>
public sealed partial class RecommendationRefreshService(
    RecommendationRefresher refresher, IOptions<FriendRecommendationOptions> options, TimeProvider clock, ILogger<RecommendationRefreshService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RecommendationRefreshEnabled)
            return;
        using var timer = new PeriodicTimer(options.Value.RecommendationRefreshInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await refresher.RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The cache is only warmed: a failed round leaves requests computing on a miss; the next round tries again.
                    LogRoundFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Friend recommendation refresh round failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
