using System.Data.Common;
using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Friends;

/// <summary>
/// <c>GET /api/v1/users/recommendations?limit=10&amp;maxDepth=3&amp;skip=0</c>: people the caller may know, found by walking
/// the friend graph breadth-first up to <c>maxDepth</c> hops, without the caller, their friends and anyone with a pending
/// request either way; ranked by mutual friends (desc), then depth (asc), then user id. The walk runs in the database
/// (below); each page of ranked ids is cached (<see cref="RecommendationCache"/>) and the profiles are read fresh on
/// every call, so a changed nickname never waits for the cache.
/// </summary>
public static class RecommendFriends
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;
    public const int DefaultMaxDepth = 3;
    public const int MaxDepthLimit = 4;

    /// <summary>
    /// Nobody pages through a thousand suggestions, and a page beyond what three hops can fill makes the handler walk all
    /// four levels (seconds on a dense graph of 100,000 users), a cost a client could otherwise ask for at will.
    /// </summary>
    public const int MaxSkip = 1000;

    public sealed record Query(long CallerId, int? Limit, int? MaxDepth, int? Skip) : IQuery<ItemList<Recommendation>>;

    public sealed record Recommendation(User User, long MutualFriends, long Depth);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be 1 to {MaxLimit}.");
            // maxDepth 1 is allowed and always empty: everyone one hop away is already a friend.
            RuleFor(q => q.MaxDepth).InclusiveBetween(1, MaxDepthLimit).When(q => q.MaxDepth is not null)
                .WithMessage($"maxDepth must be 1 to {MaxDepthLimit}.");
            RuleFor(q => q.Skip).InclusiveBetween(0, MaxSkip).When(q => q.Skip is not null).WithMessage($"skip must be 0 to {MaxSkip}.");
        }
    }

    /// <summary>
    /// The breadth-first walk. <c>walk</c> yields (user, hops) for every walk of length ≤ @maxDepth from the caller;
    /// UNION (not UNION ALL) drops a (user, hops) pair already produced, so each level's frontier holds each user once
    /// (per-level dedup: at 50 friends each, depth 3 expands ≤ 2,500 distinct users instead of 125,000 paths) and the
    /// depth bound ends the recursion on cycles. Walks back through the caller are cut. A user's distance is the minimum
    /// hops (<c>reach</c>); distance 1 means a friend, so <c>depth >= 2</c> drops friends. Mutual friends are friends of
    /// the caller's friends, counted once per shared friend; only distance-2 users have any.
    /// Both dialects run the same text: recursive CTEs, UNION dedup and LIMIT/OFFSET mean the same in each.
    /// </summary>
    public const string RankSql = """
        WITH RECURSIVE walk(id, depth) AS (
            SELECT friend_id, 1 FROM friendships WHERE user_id = @callerId
            UNION
            SELECT f.friend_id, w.depth + 1
            FROM walk w JOIN friendships f ON f.user_id = w.id
            WHERE w.depth < @maxDepth AND f.friend_id <> @callerId
        ),
        reach AS (
            SELECT id, MIN(depth) AS depth FROM walk GROUP BY id
        ),
        mutual AS (
            SELECT f.friend_id AS id, COUNT(*) AS mutual_friends
            FROM friendships mine JOIN friendships f ON f.user_id = mine.friend_id
            WHERE mine.user_id = @callerId AND f.friend_id <> @callerId
            GROUP BY f.friend_id
        ),
        pending AS (
            SELECT to_user_id AS id FROM friend_requests WHERE from_user_id = @callerId AND status = 'PENDING'
            UNION ALL
            SELECT from_user_id FROM friend_requests WHERE to_user_id = @callerId AND status = 'PENDING'
        )
        SELECT r.id AS user_id, COALESCE(m.mutual_friends, 0) AS mutual_friends, r.depth AS depth
        FROM reach r LEFT JOIN mutual m ON m.id = r.id
        WHERE r.depth >= 2 AND r.id NOT IN (SELECT id FROM pending)
        ORDER BY mutual_friends DESC, depth, user_id
        LIMIT @limit OFFSET @skip
        """;

    public sealed class Handler(ISqlDatabase database, RecommendationCache cache) : IQueryHandler<Query, ItemList<Recommendation>>
    {
        public async ValueTask<ItemList<Recommendation>> Handle(Query query, CancellationToken ct)
        {
            var limit = query.Limit ?? DefaultLimit;
            var skip = query.Skip ?? 0;
            var maxDepth = query.MaxDepth ?? DefaultMaxDepth;
            var page = await cache.GetOrRankAsync(query.CallerId, maxDepth, skip, limit, () => RankAsync(query.CallerId, maxDepth, limit, skip, ct), ct);
            return new ItemList<Recommendation>(await WithProfilesAsync(page, ct));
        }

        /// <summary>
        /// Everyone two hops away shares at least one friend with the caller and everyone further away shares none, so the
        /// ranking (mutual friends, then depth) lists every user within d hops before any user beyond d, for every d ≥ 2:
        /// the walk bounded at d yields a prefix of the full ranking. When that prefix already fills the page, the deeper
        /// walk cannot change it, so the walk grows one level at a time and stops at the first that fills the page. At 50
        /// friends each the two-hop walk costs about a tenth of the three-hop one, and four hops cost seconds
        /// (docs/benchmarks.md, "Friend recommendations"); an unfilled level only adds its own, smaller cost to the next.
        /// </summary>
        internal async Task<IReadOnlyList<Ranked>> RankAsync(long callerId, int maxDepth, int limit, int skip, CancellationToken ct)
        {
            await using var connection = await database.OpenAsync(ct);
            for (var depth = 2; depth < maxDepth; depth++)
            {
                var prefix = await QueryAsync(connection, callerId, depth, limit, skip, ct);
                if (prefix.Count == limit)
                    return prefix;
            }
            return await QueryAsync(connection, callerId, maxDepth, limit, skip, ct);
        }

        private static async Task<IReadOnlyList<Ranked>> QueryAsync(
            DbConnection connection, long callerId, int maxDepth, int limit, int skip, CancellationToken ct) =>
            (await connection.QueryAsync<Ranked>(new CommandDefinition(RankSql, new { callerId, maxDepth, limit, skip }, cancellationToken: ct))).ToList();

        private async Task<List<Recommendation>> WithProfilesAsync(IReadOnlyList<Ranked> page, CancellationToken ct)
        {
            if (page.Count == 0)
                return [];
            await using var connection = await database.OpenAsync(ct);
            // Dapper expands "IN @ids" into one parameter per id for SQLite, but hands Npgsql the array as is.
            var sql = database.Sql(
                sqlite: $"SELECT {UserRow.Columns} FROM users WHERE id IN @ids",
                postgres: $"SELECT {UserRow.Columns} FROM users WHERE id = ANY(@ids)");
            var users = (await connection.QueryAsync<UserRow>(sql, new { ids = page.Select(r => r.UserId).ToArray() }))
                .ToDictionary(u => u.Id);
            return page.Where(r => users.ContainsKey(r.UserId))
                .Select(r => new Recommendation(users[r.UserId].ToPublicView(), r.MutualFriends, r.Depth))
                .ToList();
        }
    }

    /// <summary>One ranked candidate, as the SQL returns it and as the cache stores it.</summary>
    public sealed class Ranked
    {
        public long UserId { get; set; }
        public long MutualFriends { get; set; }
        public long Depth { get; set; }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/api/v1/users/recommendations",
                    async (int? limit, int? maxDepth, int? skip, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                        ApiResults.Ok(await sender.Send(new Query(user.UserId(), limit, maxDepth, skip), ct)))
                .WithTags("Friends")
                .WithSummary("People you may know: breadth-first over the friend graph, ranked by mutual friends then depth");
    }
}
