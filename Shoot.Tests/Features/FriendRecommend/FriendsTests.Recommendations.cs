using System.Net;

namespace Shoot.Tests.Features.Friends;

public abstract partial class FriendsTests
{
    [Fact]
    public async Task A_user_without_friends_gets_no_recommendations()
    {
        var loner = await _api.SignUpAsync();

        Assert.Empty(await RecommendAsync(loner));
    }

    [Fact]
    public async Task On_a_chain_recommendations_are_the_users_two_to_max_depth_hops_away()
    {
        var u = await _api.SignUpManyAsync(6);
        var edges = await BuildGraphAsync(u, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);

        Assert.Equal([(u[2].Id, 1L, 2L), (u[3].Id, 0L, 3L)], await RecommendAsync(u[0]));
        Assert.Equal([(u[2].Id, 1L, 2L), (u[3].Id, 0L, 3L), (u[4].Id, 0L, 4L)], await RecommendAsync(u[0], "maxDepth=4"));
        Assert.Equal([(u[2].Id, 1L, 2L)], await RecommendAsync(u[0], "maxDepth=2"));
        Assert.Empty(await RecommendAsync(u[0], "maxDepth=1"));
        // From the middle the walk goes both ways.
        Assert.Equal([(u[0].Id, 1L, 2L), (u[4].Id, 1L, 2L), (u[5].Id, 0L, 3L)], await RecommendAsync(u[2]));
        await AssertMatchesBreadthFirstAsync(u, edges);
    }

    [Fact]
    public async Task On_a_star_each_leaf_is_recommended_the_other_leaves()
    {
        var u = await _api.SignUpManyAsync(6);
        var edges = await BuildGraphAsync(u, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]);

        Assert.Equal([(u[2].Id, 1L, 2L), (u[3].Id, 1L, 2L), (u[4].Id, 1L, 2L), (u[5].Id, 1L, 2L)], await RecommendAsync(u[1]));
        Assert.Empty(await RecommendAsync(u[0]));
        // Paging: skip and limit cut the same ranking.
        Assert.Equal([(u[3].Id, 1L, 2L), (u[4].Id, 1L, 2L)], await RecommendAsync(u[1], "skip=1&limit=2"));
        Assert.Equal([(u[5].Id, 1L, 2L)], await RecommendAsync(u[1], "skip=3&limit=2"));
        Assert.Empty(await RecommendAsync(u[1], "skip=4"));
        Assert.Empty(await RecommendAsync(u[1], "skip=1000&limit=100"));
        await AssertMatchesBreadthFirstAsync(u, edges);
    }

    [Fact]
    public async Task Across_two_clusters_joined_by_one_edge_mutual_friends_rank_first()
    {
        // Cluster A = 0..3 and cluster B = 4..7, each with every edge inside it, joined by 0–4 only.
        var u = await _api.SignUpManyAsync(8);
        int[] a = [0, 1, 2, 3], b = [4, 5, 6, 7];
        var pairs = new List<(int, int)> { (0, 4) };
        foreach (var cluster in new[] { a, b })
            pairs.AddRange(from x in cluster from y in cluster where x < y select (x, y));
        var edges = await BuildGraphAsync(u, pairs);

        // From 1: 4 is two hops away through 0 (one mutual friend); 5, 6, 7 three hops, no mutual friend.
        Assert.Equal([(u[4].Id, 1L, 2L), (u[5].Id, 0L, 3L), (u[6].Id, 0L, 3L), (u[7].Id, 0L, 3L)], await RecommendAsync(u[1]));
        // From 5: 0 has one mutual friend (4); 1, 2, 3 are three hops away.
        Assert.Equal([(u[0].Id, 1L, 2L), (u[1].Id, 0L, 3L), (u[2].Id, 0L, 3L), (u[3].Id, 0L, 3L)], await RecommendAsync(u[5]));
        // From 0: its own cluster and 4 are friends; 5, 6, 7 share one mutual friend (4).
        Assert.Equal([(u[5].Id, 1L, 2L), (u[6].Id, 1L, 2L), (u[7].Id, 1L, 2L)], await RecommendAsync(u[0]));
        await AssertMatchesBreadthFirstAsync(u, edges);
    }

    [Fact]
    public async Task On_a_random_graph_recommendations_are_exactly_the_breadth_first_answer()
    {
        var u = await _api.SignUpManyAsync(14);
        var random = new Random(20261125);
        var pairs = new HashSet<(int, int)>();
        while (pairs.Count < 22)
        {
            var (x, y) = (random.Next(u.Length), random.Next(u.Length));
            if (x != y)
                pairs.Add((Math.Min(x, y), Math.Max(x, y)));
        }
        var edges = await BuildGraphAsync(u, pairs);

        await AssertMatchesBreadthFirstAsync(u, edges);
    }

    [Fact]
    public async Task Users_with_a_pending_request_either_way_are_not_recommended()
    {
        var u = await _api.SignUpManyAsync(5);
        await BuildGraphAsync(u, [(0, 1), (1, 2), (1, 3), (1, 4)]);
        Assert.Equal([u[2].Id, u[3].Id, u[4].Id], (await RecommendAsync(u[0])).Select(r => r.UserId));

        var outgoing = await SendAsync(u[0], u[2]);
        var incoming = await SendAsync(u[3], u[0]);
        Assert.Equal([u[4].Id], (await RecommendAsync(u[0])).Select(r => r.UserId));

        await _api.CallAsync(HttpMethod.Delete, $"{Requests}/{outgoing}", u[0], null, HttpStatusCode.OK);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{incoming}/reject", u[0], null, HttpStatusCode.OK);
        Assert.Equal([u[2].Id, u[3].Id, u[4].Id], (await RecommendAsync(u[0])).Select(r => r.UserId));
    }

    [Fact]
    public async Task Recommendations_follow_new_and_removed_friendships()
    {
        var u = await _api.SignUpManyAsync(5);
        await BuildGraphAsync(u, [(0, 1), (1, 2), (2, 3), (3, 4)]);
        Assert.Equal([(u[2].Id, 1L, 2L), (u[3].Id, 0L, 3L)], await RecommendAsync(u[0]));

        // A friendship two hops away from 0 (between others) changes 0's answer too.
        await MakeFriendsAsync(u[1], u[3]);
        Assert.Equal([(u[2].Id, 1L, 2L), (u[3].Id, 1L, 2L), (u[4].Id, 0L, 3L)], await RecommendAsync(u[0]));

        await MakeFriendsAsync(u[0], u[2]);
        Assert.Equal([(u[3].Id, 2L, 2L), (u[4].Id, 0L, 3L)], await RecommendAsync(u[0]));

        await _api.CallAsync(HttpMethod.Delete, $"/api/v1/users/friends/{u[1].Id}", u[0], null, HttpStatusCode.OK);
        await _api.CallAsync(HttpMethod.Delete, $"/api/v1/users/friends/{u[3].Id}", u[2], null, HttpStatusCode.OK);
        // Left: 0–2, 1–2, 1–3, 3–4.
        Assert.Equal([(u[1].Id, 1L, 2L), (u[3].Id, 0L, 3L)], await RecommendAsync(u[0]));
    }

    [Fact]
    public async Task Recommendations_show_public_profiles()
    {
        var u = await _api.SignUpManyAsync(3);
        await BuildGraphAsync(u, [(0, 1), (1, 2)]);

        var item = (await _api.CallAsync(HttpMethod.Get, "/api/v1/users/recommendations", u[0], null, HttpStatusCode.OK))
            .GetProperty("items")[0];
        Assert.Equal(u[2].Id, item.GetProperty("user").GetProperty("id").GetInt64());
        Assert.Equal(u[2].Username, item.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, item.GetProperty("user").GetProperty("userCode").ValueKind);
        Assert.Equal(1, item.GetProperty("mutualFriends").GetInt32());
        Assert.Equal(2, item.GetProperty("depth").GetInt32());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("maxDepth=0")]
    [InlineData("maxDepth=5")]
    [InlineData("skip=-1")]
    [InlineData("skip=1001")]
    [InlineData("limit=ten")]
    public async Task Out_of_range_recommendation_parameters_are_400(string parameters)
    {
        var user = await _api.SignUpAsync();

        await _api.CallAsync(HttpMethod.Get, $"/api/v1/users/recommendations?{parameters}", user, null, HttpStatusCode.BadRequest);
    }

    /// <summary>Makes the given pairs of <paramref name="users"/> friends through the API; returns the edges by user id.</summary>
    private async Task<List<(long, long)>> BuildGraphAsync(Member[] users, IEnumerable<(int, int)> pairs)
    {
        var edges = new List<(long, long)>();
        foreach (var (x, y) in pairs)
        {
            await MakeFriendsAsync(users[x], users[y]);
            edges.Add((users[x].Id, users[y].Id));
        }
        return edges;
    }

    private async Task<List<(long UserId, long MutualFriends, long Depth)>> RecommendAsync(Member user, string parameters = "")
    {
        var data = await _api.CallAsync(HttpMethod.Get, $"/api/v1/users/recommendations?{parameters}", user, null, HttpStatusCode.OK);
        return data.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("user").GetProperty("id").GetInt64(), r.GetProperty("mutualFriends").GetInt64(), r.GetProperty("depth").GetInt64()))
            .ToList();
    }

    /// <summary>
    /// Every user's full ranking, at every depth, equals an in-memory breadth-first search over the same edges; and so
    /// does every page of two (a page that a shallower walk fills is answered by it, without the deeper levels).
    /// </summary>
    private async Task AssertMatchesBreadthFirstAsync(Member[] users, List<(long, long)> edges)
    {
        foreach (var user in users)
        {
            for (var depth = 2; depth <= 4; depth++)
            {
                var expected = ExpectedRecommendations.For(user.Id, edges, depth);
                Assert.Equal(expected, await RecommendAsync(user, $"maxDepth={depth}&limit=100"));
                for (var skip = 0; skip <= expected.Count; skip += 2)
                    Assert.Equal(expected.Skip(skip).Take(2), await RecommendAsync(user, $"maxDepth={depth}&limit=2&skip={skip}"));
            }
        }
    }
}
