using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Friends;
using Shoot.Infrastructure.Coordination;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Friends;

/// <summary>
/// The periodic precompute on the embedded backend (one instance, in-process lock): a round fills the cache of the active
/// users who have friends, and only theirs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RecommendationRefreshTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private readonly ApiClient _api = new(app.Factory.CreateShootClient());

    [Fact]
    public async Task A_round_fills_the_cache_of_active_users_with_friends_and_no_one_else()
    {
        // A chain 0–1–2–3; 3 has not been seen nor signed in for two days; 4 is active but has no friends.
        var u = await _api.SignUpManyAsync(5);
        await RecommendationRefreshScenario.MakeFriendsAsync(_api, u[0], u[1]);
        await RecommendationRefreshScenario.MakeFriendsAsync(_api, u[1], u[2]);
        await RecommendationRefreshScenario.MakeFriendsAsync(_api, u[2], u[3]);
        await RecommendationRefreshScenario.MakeInactiveAsync(app.Factory.Services, u[3].Id, TimeSpan.FromDays(2));

        var round = await app.Factory.Services.GetRequiredService<RecommendationRefresher>().RefreshAsync();

        Assert.Equal(RefreshOutcome.Refreshed, round.Outcome);
        // The users of earlier tests in this host may be active too; these three are certainly among them.
        Assert.True(round.Users >= 3);
        Assert.Equal([u[2].Id, u[3].Id], await RecommendationRefreshScenario.CachedFirstPageAsync(app.Factory.Services, u[0].Id));
        Assert.Equal([u[3].Id], await RecommendationRefreshScenario.CachedFirstPageAsync(app.Factory.Services, u[1].Id));
        Assert.Equal([u[0].Id], await RecommendationRefreshScenario.CachedFirstPageAsync(app.Factory.Services, u[2].Id));
        Assert.Null(await RecommendationRefreshScenario.CachedFirstPageAsync(app.Factory.Services, u[3].Id));
        Assert.Null(await RecommendationRefreshScenario.CachedFirstPageAsync(app.Factory.Services, u[4].Id));
        // A request answers from what the round stored, and a user it skipped still gets an answer computed on the miss.
        Assert.Equal([u[2].Id, u[3].Id], await RecommendationRefreshScenario.RecommendedIdsAsync(_api, u[0]));
        Assert.Equal([u[1].Id, u[0].Id], await RecommendationRefreshScenario.RecommendedIdsAsync(_api, u[3]));
        // The round of this interval is done: another one now does nothing.
        Assert.Equal(RefreshOutcome.SkippedRecentlyDone, (await app.Factory.Services.GetRequiredService<RecommendationRefresher>().RefreshAsync()).Outcome);
    }

    [Fact]
    public async Task A_round_started_while_one_is_running_skips()
    {
        var instanceLock = app.Factory.Services.GetRequiredService<IInstanceLock>();
        Assert.IsType<InProcessInstanceLock>(instanceLock);

        await using (var running = await instanceLock.TryAcquireAsync(RecommendationRefresher.LockResource, RecommendationRefresher.LockExpiry))
        {
            Assert.True(running.Acquired);
            Assert.Equal(new RefreshRound(RefreshOutcome.SkippedHeldElsewhere, 0),
                await app.Factory.Services.GetRequiredService<RecommendationRefresher>().RefreshAsync());
        }

        await using var after = await instanceLock.TryAcquireAsync(RecommendationRefresher.LockResource, RecommendationRefresher.LockExpiry);
        Assert.True(after.Acquired);
    }
}

/// <summary>What the refresh tests on both backends do to set up and to look.</summary>
internal static class RecommendationRefreshScenario
{
    public static async Task MakeFriendsAsync(ApiClient api, Member from, Member to)
    {
        var request = await api.CallAsync(HttpMethod.Post, "/api/v1/users/friends/requests", from, new { targetUserId = to.Id }, HttpStatusCode.Created);
        await api.CallAsync(HttpMethod.Post, $"/api/v1/users/friends/requests/{request.GetProperty("id").GetInt64()}/accept", to, null, HttpStatusCode.OK);
    }

    /// <summary>Dates the user's last presence and every token of theirs <paramref name="ago"/>.</summary>
    public static async Task MakeInactiveAsync(IServiceProvider services, long userId, TimeSpan ago)
    {
        var then = DateTimeOffset.UtcNow.Subtract(ago).ToUnixTimeMilliseconds();
        var database = services.GetRequiredService<ISqlDatabase>();
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("UPDATE users SET last_seen_at = @then WHERE id = @userId", new { userId, then });
        await connection.ExecuteAsync("UPDATE refresh_tokens SET created_at = @then WHERE user_id = @userId", new { userId, then });
    }

    /// <summary>
    /// The ids of the cached first page (the page a round refreshes), or null when nothing is cached for it. A miss
    /// ranks nothing and stores nothing (the rank throws), so looking leaves the cache as it was.
    /// </summary>
    public static async Task<IEnumerable<long>?> CachedFirstPageAsync(IServiceProvider services, long userId)
    {
        await using var scope = services.CreateAsyncScope();
        var cache = scope.ServiceProvider.GetRequiredService<RecommendationCache>();
        try
        {
            var page = await cache.GetOrRankAsync(userId, RecommendFriends.DefaultMaxDepth, 0, RecommendFriends.DefaultLimit,
                () => throw new NotCachedException(), CancellationToken.None);
            return page.Select(r => r.UserId).ToArray();
        }
        catch (NotCachedException)
        {
            return null;
        }
    }

    public static async Task<long[]> RecommendedIdsAsync(ApiClient api, Member user) =>
        (await api.CallAsync(HttpMethod.Get, "/api/v1/users/recommendations", user, null, HttpStatusCode.OK)).GetProperty("items")
        .EnumerateArray().Select(r => r.GetProperty("user").GetProperty("id").GetInt64()).ToArray();

    private sealed class NotCachedException : Exception;
}
