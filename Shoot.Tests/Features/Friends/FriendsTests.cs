using System.Net;
using System.Text.Json;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Friends;

/// <summary>
/// docs/api.md §3 through the real HTTP API. The tests live here once; each derived class runs them on one backend.
/// Every test signs up fresh users, so tests share a host without seeing each other's data.
/// </summary>
public abstract partial class FriendsTests(ClassHost host) : IAsyncLifetime
{
    private const string Requests = "/api/v1/users/friends/requests";
    private ApiClient _api = null!;

    protected ClassHost Host { get; } = host;

    protected ApiClient Api => _api;

    /// <summary>The settings that choose this class's backend.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync();

    public async Task InitializeAsync() => _api = new ApiClient((await Host.StartAsync(BackendSettingsAsync)).CreateShootClient());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_request_accepted_by_its_addressee_makes_both_users_friends()
    {
        var (alice, bob) = await TwoUsersAsync();

        var sent = await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = bob.Id }, HttpStatusCode.Created);
        Assert.Equal("PENDING", sent.GetProperty("status").GetString());
        Assert.Equal(alice.Id, sent.GetProperty("fromUserId").GetInt64());
        Assert.Equal(bob.Id, sent.GetProperty("toUserId").GetInt64());
        var requestId = sent.GetProperty("id").GetInt64();
        await AssertPendingAsync(alice, [], [requestId]);
        await AssertPendingAsync(bob, [requestId], []);
        Assert.Empty(await FriendIdsAsync(alice));

        var accepted = await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", bob, null, HttpStatusCode.OK);
        Assert.Equal("ACCEPTED", accepted.GetProperty("status").GetString());
        Assert.Equal(requestId, accepted.GetProperty("id").GetInt64());

        Assert.Equal([bob.Id], await FriendIdsAsync(alice));
        Assert.Equal([alice.Id], await FriendIdsAsync(bob));
        await AssertPendingAsync(alice, [], []);
        await AssertPendingAsync(bob, [], []);
        // Friends are shown in their public view: the friend code stays private.
        var friend = (await _api.CallAsync(HttpMethod.Get, "/api/v1/users/friends", alice, null, HttpStatusCode.OK)).GetProperty("items")[0];
        Assert.Equal(bob.Username, friend.GetProperty("username").GetString());
        Assert.Equal(JsonValueKind.Null, friend.GetProperty("userCode").ValueKind);
    }

    [Fact]
    public async Task A_request_by_user_code_reaches_the_code_owner()
    {
        var (alice, bob) = await TwoUsersAsync();

        var sent = await _api.CallAsync(HttpMethod.Post, Requests, alice, new { userCode = bob.UserCode.ToLowerInvariant() }, HttpStatusCode.Created);

        Assert.Equal(bob.Id, sent.GetProperty("toUserId").GetInt64());
        await AssertPendingAsync(bob, [sent.GetProperty("id").GetInt64()], []);
    }

    [Fact]
    public async Task A_request_to_yourself_is_400_by_id_and_by_code()
    {
        var alice = await _api.SignUpAsync();

        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = alice.Id }, HttpStatusCode.BadRequest);
        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { userCode = alice.UserCode }, HttpStatusCode.BadRequest);
        await AssertPendingAsync(alice, [], []);
    }

    [Fact]
    public async Task A_request_needs_exactly_one_well_formed_target()
    {
        var (alice, bob) = await TwoUsersAsync();

        var neither = await _api.CallAsync(HttpMethod.Post, Requests, alice, new { }, HttpStatusCode.BadRequest);
        Assert.Equal("VALIDATION_FAILED", neither.GetProperty("errorCode").GetString());
        Assert.True(neither.GetProperty("errors").TryGetProperty("targetUserId", out _));
        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = bob.Id, userCode = bob.UserCode }, HttpStatusCode.BadRequest);
        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = 0 }, HttpStatusCode.BadRequest);
        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { userCode = "short" }, HttpStatusCode.BadRequest);
        await AssertPendingAsync(bob, [], []);
    }

    [Fact]
    public async Task A_request_to_an_unknown_user_is_404()
    {
        var alice = await _api.SignUpAsync();

        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = long.MaxValue }, HttpStatusCode.NotFound);
        // Codes are random 8-character strings; with 36^8 of them, none of this test's users holds this one.
        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { userCode = "00000000" }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_second_pending_request_in_the_same_direction_is_409()
    {
        var (alice, bob) = await TwoUsersAsync();
        var first = await SendAsync(alice, bob);

        var second = await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = bob.Id }, HttpStatusCode.Conflict);

        Assert.Equal("CONFLICT", second.GetProperty("errorCode").GetString());
        await AssertPendingAsync(alice, [], [first]);
    }

    [Fact]
    public async Task A_request_to_a_friend_is_409_in_either_direction()
    {
        var (alice, bob) = await TwoUsersAsync();
        await MakeFriendsAsync(alice, bob);

        await _api.CallAsync(HttpMethod.Post, Requests, alice, new { targetUserId = bob.Id }, HttpStatusCode.Conflict);
        await _api.CallAsync(HttpMethod.Post, Requests, bob, new { userCode = alice.UserCode }, HttpStatusCode.Conflict);
        await AssertPendingAsync(alice, [], []);
    }

    [Fact]
    public async Task A_request_crossing_an_opposite_pending_request_accepts_it()
    {
        var (alice, bob) = await TwoUsersAsync();
        var aliceToBob = await SendAsync(alice, bob);

        var crossing = await _api.CallAsync(HttpMethod.Post, Requests, bob, new { targetUserId = alice.Id }, HttpStatusCode.Created);

        Assert.Equal(aliceToBob, crossing.GetProperty("id").GetInt64());
        Assert.Equal("ACCEPTED", crossing.GetProperty("status").GetString());
        Assert.Equal([bob.Id], await FriendIdsAsync(alice));
        Assert.Equal([alice.Id], await FriendIdsAsync(bob));
        await AssertPendingAsync(alice, [], []);
        await AssertPendingAsync(bob, [], []);
    }

    [Fact]
    public async Task A_rejected_request_makes_no_friendship_and_a_new_request_may_follow()
    {
        var (alice, bob) = await TwoUsersAsync();
        var requestId = await SendAsync(alice, bob);

        var rejected = await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/reject", bob, null, HttpStatusCode.OK);

        Assert.Equal("REJECTED", rejected.GetProperty("status").GetString());
        Assert.Empty(await FriendIdsAsync(alice));
        await AssertPendingAsync(bob, [], []);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", bob, null, HttpStatusCode.Conflict);
        Assert.NotEqual(requestId, await SendAsync(alice, bob));
    }

    [Fact]
    public async Task A_cancelled_request_is_gone_and_can_no_longer_be_accepted()
    {
        var (alice, bob) = await TwoUsersAsync();
        var requestId = await SendAsync(alice, bob);

        var cancelled = await _api.CallAsync(HttpMethod.Delete, $"{Requests}/{requestId}", alice, null, HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Object, cancelled.ValueKind);
        Assert.Empty(cancelled.EnumerateObject());
        await AssertPendingAsync(alice, [], []);
        await AssertPendingAsync(bob, [], []);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", bob, null, HttpStatusCode.Conflict);
        await _api.CallAsync(HttpMethod.Delete, $"{Requests}/{requestId}", alice, null, HttpStatusCode.Conflict);
        Assert.Empty(await FriendIdsAsync(bob));
    }

    [Fact]
    public async Task Only_the_addressee_answers_and_only_the_requester_cancels()
    {
        var (alice, bob) = await TwoUsersAsync();
        var requestId = await SendAsync(alice, bob);

        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", alice, null, HttpStatusCode.Forbidden);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/reject", alice, null, HttpStatusCode.Forbidden);
        await _api.CallAsync(HttpMethod.Delete, $"{Requests}/{requestId}", bob, null, HttpStatusCode.Forbidden);

        await AssertPendingAsync(alice, [], [requestId]);
        Assert.Empty(await FriendIdsAsync(alice));
    }

    [Fact]
    public async Task A_third_user_cannot_see_or_touch_someone_elses_request()
    {
        var (alice, bob) = await TwoUsersAsync();
        var mallory = await _api.SignUpAsync();
        var requestId = await SendAsync(alice, bob);

        // 404 exactly as for a request id that does not exist: the answer must not reveal that it does.
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", mallory, null, HttpStatusCode.NotFound);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/reject", mallory, null, HttpStatusCode.NotFound);
        await _api.CallAsync(HttpMethod.Delete, $"{Requests}/{requestId}", mallory, null, HttpStatusCode.NotFound);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{long.MaxValue}/accept", mallory, null, HttpStatusCode.NotFound);

        await AssertPendingAsync(mallory, [], []);
        Assert.Empty(await FriendIdsAsync(mallory));
        await AssertPendingAsync(alice, [], [requestId]);
        await AssertPendingAsync(bob, [requestId], []);
    }

    [Fact]
    public async Task Removing_a_friend_ends_the_friendship_for_both()
    {
        var (alice, bob) = await TwoUsersAsync();
        var carol = await _api.SignUpAsync();
        await MakeFriendsAsync(alice, bob);
        await MakeFriendsAsync(alice, carol);

        await _api.CallAsync(HttpMethod.Delete, $"/api/v1/users/friends/{bob.Id}", alice, null, HttpStatusCode.OK);

        Assert.Equal([carol.Id], await FriendIdsAsync(alice));
        Assert.Empty(await FriendIdsAsync(bob));
        await _api.CallAsync(HttpMethod.Delete, $"/api/v1/users/friends/{alice.Id}", bob, null, HttpStatusCode.NotFound);
        await _api.CallAsync(HttpMethod.Delete, $"/api/v1/users/friends/{carol.Id}", bob, null, HttpStatusCode.NotFound);
        // Friends again after a removal: a new request works.
        await MakeFriendsAsync(bob, alice);
        Assert.Equal([bob.Id, carol.Id], await FriendIdsAsync(alice));
    }

    [Fact]
    public async Task Every_friend_endpoint_requires_a_token()
    {
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/users/friends"), (HttpMethod.Get, Requests), (HttpMethod.Post, Requests),
                     (HttpMethod.Post, $"{Requests}/1/accept"), (HttpMethod.Post, $"{Requests}/1/reject"),
                     (HttpMethod.Delete, $"{Requests}/1"), (HttpMethod.Delete, "/api/v1/users/friends/1"),
                     (HttpMethod.Get, "/api/v1/users/recommendations"),
                 })
        {
            var (status, _) = await _api.SendAsync(method, path, null, method == HttpMethod.Post ? new { targetUserId = 1 } : null);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{method} {path} without a token: {(int)status}");
        }
    }

    private async Task<(Member, Member)> TwoUsersAsync()
    {
        var users = await _api.SignUpManyAsync(2);
        return (users[0], users[1]);
    }

    private async Task<long> SendAsync(Member from, Member to) =>
        (await _api.CallAsync(HttpMethod.Post, Requests, from, new { targetUserId = to.Id }, HttpStatusCode.Created)).GetProperty("id").GetInt64();

    protected async Task MakeFriendsAsync(Member from, Member to)
    {
        var requestId = await SendAsync(from, to);
        await _api.CallAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", to, null, HttpStatusCode.OK);
    }

    private async Task<List<long>> FriendIdsAsync(Member user) =>
        (await _api.CallAsync(HttpMethod.Get, "/api/v1/users/friends", user, null, HttpStatusCode.OK)).GetProperty("items")
        .EnumerateArray().Select(u => u.GetProperty("id").GetInt64()).Order().ToList();

    /// <summary>Asserts the ids of the caller's pending requests, incoming and outgoing.</summary>
    private async Task AssertPendingAsync(Member user, long[] incoming, long[] outgoing)
    {
        var data = await _api.CallAsync(HttpMethod.Get, Requests, user, null, HttpStatusCode.OK);
        foreach (var request in data.GetProperty("incoming").EnumerateArray().Concat(data.GetProperty("outgoing").EnumerateArray()))
            Assert.Equal("PENDING", request.GetProperty("status").GetString());
        Assert.Equal(incoming, Ids(data.GetProperty("incoming")));
        Assert.Equal(outgoing, Ids(data.GetProperty("outgoing")));

        static long[] Ids(JsonElement list) => list.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToArray();
    }
}
