using System.Text.Json;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Caching;

namespace Shoot.Features.Friends;

/// <summary>
/// Caches each user's pages of ranked recommendations (per maxDepth, skip and limit) and decides when an entry is
/// outdated.
/// <para>
/// Who is affected by a change: a new or removed friendship A–B changes the walk of every user within maxDepth (≤ 4)
/// hops of A or B — on a connected graph of 50 friends each, that is nearly everyone — so friendship changes bump one
/// global graph version. A pending request appearing or ending changes only the two users' exclusions, so it bumps
/// their own versions. An entry's key holds both versions it was built on; the versions are read before the database
/// is, so an entry computed from a state older than a bump is stored under a key nobody reads any more. The window of
/// staleness is the time between a commit and its bump (the handler publishes right after committing).
/// </para>
/// The trade-off: every friendship change anywhere makes every entry miss once; hit rates fall as friendship churn rises,
/// but an answer is never older than the last bump, and entries expire after <see cref="TimeToLive"/> regardless.
/// </summary>
public sealed partial class RecommendationCache(ICache cache, ILogger<RecommendationCache> logger)
    : INotificationHandler<FriendAdded>, INotificationHandler<FriendRemoved>, INotificationHandler<FriendRequestChanged>
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    private const string GraphVersionKey = "friend-graph";

    public async Task<IReadOnlyList<RecommendFriends.Ranked>> GetOrRankAsync(
        long userId, int maxDepth, int skip, int limit, Func<Task<IReadOnlyList<RecommendFriends.Ranked>>> rank, CancellationToken ct)
    {
        var key = await KeyAsync(userId, maxDepth, skip, limit, ct);
        if (await cache.GetAsync(key, ct) is { } cached)
            return JsonSerializer.Deserialize<RecommendFriends.Ranked[]>(cached)!;
        return await RankAndStoreAsync(key, rank, ct);
    }

    /// <summary>
    /// Ranks the page anew and stores it whether or not an entry exists, with a fresh <see cref="TimeToLive"/>: the
    /// periodic precompute (<see cref="RecommendationRefresher"/>), so an active user's next request finds it.
    /// </summary>
    public async Task RefreshAsync(
        long userId, int maxDepth, int skip, int limit, Func<Task<IReadOnlyList<RecommendFriends.Ranked>>> rank, CancellationToken ct) =>
        await RankAndStoreAsync(await KeyAsync(userId, maxDepth, skip, limit, ct), rank, ct);

    // The versions are read before the database is (see the class summary), so the key is built before ranking.
    private async Task<string> KeyAsync(long userId, int maxDepth, int skip, int limit, CancellationToken ct)
    {
        var graphVersion = await cache.GetVersionAsync(GraphVersionKey, ct);
        var userVersion = await cache.GetVersionAsync(UserVersionKey(userId), ct);
        return $"friend-recs:{userId}:{maxDepth}:{skip}:{limit}:{graphVersion}:{userVersion}";
    }

    private async Task<IReadOnlyList<RecommendFriends.Ranked>> RankAndStoreAsync(
        string key, Func<Task<IReadOnlyList<RecommendFriends.Ranked>>> rank, CancellationToken ct)
    {
        var ranked = await rank();
        await cache.SetAsync(key, JsonSerializer.Serialize(ranked), TimeToLive, ct);
        return ranked;
    }

    public ValueTask Handle(FriendAdded notification, CancellationToken ct) => BumpAsync(ct, GraphVersionKey);

    public ValueTask Handle(FriendRemoved notification, CancellationToken ct) => BumpAsync(ct, GraphVersionKey);

    public ValueTask Handle(FriendRequestChanged notification, CancellationToken ct) =>
        BumpAsync(ct, UserVersionKey(notification.FromUserId), UserVersionKey(notification.ToUserId));

    private static string UserVersionKey(long userId) => $"friend-recs-user:{userId}";

    private async ValueTask BumpAsync(CancellationToken ct, params string[] keys)
    {
        try
        {
            foreach (var key in keys)
                await cache.BumpVersionAsync(key, ct);
        }
        // The change is committed: failing the request now would make the client retry something that already happened.
        // Entries built before it expire within TimeToLive.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBumpFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not invalidate cached friend recommendations; they may be stale until they expire")]
    private static partial void LogBumpFailed(ILogger logger, Exception exception);
}
