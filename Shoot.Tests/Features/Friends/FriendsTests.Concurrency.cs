using System.Net;

namespace Shoot.Tests.Features.Friends;

public abstract partial class FriendsTests
{
    private const int ConcurrentPairs = 20;

    [Fact]
    public async Task Simultaneous_opposite_requests_end_in_exactly_one_friendship()
    {
        var users = await _api.SignUpManyAsync(2 * ConcurrentPairs);
        var pairs = Enumerable.Range(0, ConcurrentPairs).Select(i => (A: users[2 * i], B: users[2 * i + 1])).ToList();

        // All 40 requests at once: each pair's two requests race each other and the other pairs'.
        var outcomes = await Task.WhenAll(pairs.SelectMany(p => new[] { (From: p.A, To: p.B), (From: p.B, To: p.A) })
            .Select(async r => (r.From, r.To, Answer: await _api.SendAsync(HttpMethod.Post, Requests, r.From.Token, new { targetUserId = r.To.Id }))));

        foreach (var (a, b) in pairs)
        {
            // Both are 201: one request created the pending request, the other found that same request and accepted it.
            var answers = outcomes.Where(o => o.From == a || o.From == b).Select(o => o.Answer).ToList();
            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
            var requests = answers.Select(answer => answer.Envelope.GetProperty("data")).ToList();
            Assert.Equal(["ACCEPTED", "PENDING"], requests.Select(r => r.GetProperty("status").GetString()).Order());
            Assert.Single(requests.Select(r => r.GetProperty("id").GetInt64()).Distinct());
            Assert.Equal([b.Id], await FriendIdsAsync(a));
            Assert.Equal([a.Id], await FriendIdsAsync(b));
            await AssertPendingAsync(a, [], []);
            await AssertPendingAsync(b, [], []);
        }
    }

    [Fact]
    public async Task Simultaneous_identical_requests_create_one_pending_request()
    {
        var (alice, bob) = await TwoUsersAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(async _ => (await _api.SendAsync(HttpMethod.Post, Requests, alice.Token, new { targetUserId = bob.Id })).Status));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
        var incoming = (await _api.CallAsync(HttpMethod.Get, Requests, bob, null, HttpStatusCode.OK)).GetProperty("incoming");
        Assert.Equal(1, incoming.GetArrayLength());
    }

    [Fact]
    public async Task Simultaneous_accept_and_cancel_of_one_request_do_not_both_succeed()
    {
        var users = await _api.SignUpManyAsync(2 * 10);
        for (var i = 0; i < 10; i++)
        {
            var (alice, bob) = (users[2 * i], users[2 * i + 1]);
            var requestId = await SendAsync(alice, bob);

            var results = await Task.WhenAll(
                _api.SendAsync(HttpMethod.Post, $"{Requests}/{requestId}/accept", bob.Token, null),
                _api.SendAsync(HttpMethod.Delete, $"{Requests}/{requestId}", alice.Token, null));

            var (accept, cancel) = (results[0].Status, results[1].Status);
            Assert.True((accept, cancel) is (HttpStatusCode.OK, HttpStatusCode.Conflict) or (HttpStatusCode.Conflict, HttpStatusCode.OK),
                $"accept {(int)accept}, cancel {(int)cancel}");
            Assert.Equal(accept == HttpStatusCode.OK ? [bob.Id] : [], await FriendIdsAsync(alice));
            await AssertPendingAsync(alice, [], []);
        }
    }
}
