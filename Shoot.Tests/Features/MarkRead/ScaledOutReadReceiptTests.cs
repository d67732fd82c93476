using System.Net;
using System.Text.Json;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Read receipts and unread counts on two instances sharing Redis, PostgreSQL and the mock Kafka cluster: Alice works
/// through the first, Bob and Carol through the second (and Carol's reads on the first where it matters).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScaledOutReadReceiptTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>, IAsyncLifetime
{
    private ShootAppFactory _first = null!;
    private ShootAppFactory _second = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _carol = null!;
    private long _roomId;

    public async Task InitializeAsync()
    {
        // A window long enough that reads sent together on two instances surely fall into one.
        (_first, _second) = await MessageExchange.StartScaledOutPairAsync(redis, postgres, kafka,
            settings => settings["Shoot:Limits:ReadCountWindow"] = "00:00:01");
        _api = _first.CreateShootClient();
        _alice = await _api.CreateUserAsync("sa");
        _bob = await _api.CreateUserAsync("sb");
        _carol = await _api.CreateUserAsync("sc");
        _roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "Both", participantIds = new[] { _bob.Id, _carol.Id } },
            _alice.AccessToken)).AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task Unread_counts_follow_sends_reads_deletes_and_rejoins_across_instances()
    {
        var other = _second.CreateShootClient();
        await using var bobUnread = await SseTestClient.OpenAsync(_second.ServerAddress, $"/api/v1/sse/unread/{_bob.Id}", _bob.AccessToken);
        await using var alice = await ChatClient.ConnectAsync(_first.StompUri, _alice.AccessToken);
        await alice.SubscribeAsync($"/topic/message/status/{_roomId}");
        await SendSavedAsync(alice, "r1");
        var m2 = await SendSavedAsync(alice, "r2");
        var m3 = await SendSavedAsync(alice, "r3");
        Assert.Equal(3, await UnreadAsync(other, _bob));
        await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 3);

        var read = (await other.PostAsync("/api/v1/messages/mark-read", new { roomId = _roomId, messageId = m2 }, _bob.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(1, read["unreadCount"]!.GetValue<long>());

        // A delete on the first instance drops Bob's count on the second, on SSE too.
        (await _api.DeleteAsync($"/api/v1/messages/{m3}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(0, await UnreadAsync(other, _bob));
        var afterDelete = await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 0);
        Assert.Equal(0, afterDelete["totalUnread"]!.GetValue<long>());

        // Bob leaves on the second instance and is added back on the first: no position, so both remaining messages count.
        (await other.DeleteAsync($"/api/v1/chatrooms/{_roomId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await _api.PostAsync($"/api/v1/chatrooms/{_roomId}/participants", new { userIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, await UnreadAsync(other, _bob));
        await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 2 && u["totalUnread"]!.GetValue<long>() == 2);
        Assert.Equal(2, await UnreadAsync(_api, _carol));
    }

    [Fact]
    public async Task Unread_counts_never_go_back_while_both_instances_deliver_to_one_room()
    {
        await using var bobUnread = await SseTestClient.OpenAsync(_first.ServerAddress, $"/api/v1/sse/unread/{_bob.Id}", _bob.AccessToken);
        await using var alice = await ChatClient.ConnectAsync(_first.StompUri, _alice.AccessToken);
        await using var carol = await ChatClient.ConnectAsync(_second.StompUri, _carol.AccessToken);
        const int each = 40;

        // Both instances accept and announce this room at once; announcements take turns, so Bob's count only grows.
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < each; i++) await alice.SendChatAsync(_roomId, $"a{i}", $"a{i}"); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await carol.SendChatAsync(_roomId, $"c{i}", $"c{i}"); }));
        await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 2 * each);

        var counts = bobUnread.Events.Where(e => e.Event == "unread").Select(e => e.Data["unreadCount"]!.GetValue<long>()).ToList();
        Assert.Equal(counts.Order(), counts);
        Assert.Equal(2 * each, counts[^1]);
        Assert.Empty(alice.Errors);
        Assert.Empty(carol.Errors);
    }

    [Fact]
    public async Task Reads_handled_by_both_instances_in_one_window_re_broadcast_each_message_once()
    {
        await using var alice = await ChatClient.ConnectAsync(_first.StompUri, _alice.AccessToken);
        await alice.SubscribeAsync($"/topic/message/status/{_roomId}");
        await alice.SubscribeAsync($"/topic/messages/{_roomId}");
        var m1 = await SendSavedAsync(alice, "w1");
        var m2 = await SendSavedAsync(alice, "w2");
        await using var bob = await ChatClient.ConnectAsync(_first.StompUri, _bob.AccessToken);
        await using var carol = await ChatClient.ConnectAsync(_second.StompUri, _carol.AccessToken);

        // Bob's read is handled by the first instance, Carol's by the second, within one window.
        await Task.WhenAll(
            bob.SendAsync("/app/read", JsonSerializer.Serialize(new { roomId = _roomId, messageId = m2 })),
            carol.SendAsync("/app/read", JsonSerializer.Serialize(new { roomId = _roomId, messageId = m2 })));

        await alice.WaitForAsync($"/topic/messages/{_roomId}", 4);
        await Task.Delay(TimeSpan.FromSeconds(2)); // anything a second instance would flush on its own comes within a window
        var all = alice.Received($"/topic/messages/{_roomId}");
        Assert.Equal(4, all.Count); // two new messages, then one update of each
        var reBroadcast = all.Skip(2).ToList();
        Assert.Equal([m2, m1], reBroadcast.Select(m => m["id"]!.GetValue<string>()));
        Assert.All(reBroadcast, m => Assert.Equal(2, m["readCount"]!.GetValue<int>()));
        Assert.Empty(bob.Errors);
        Assert.Empty(carol.Errors);
    }

    private Task<string> SendSavedAsync(ChatClient chat, string tempId) => chat.SendSavedAsync(_roomId, tempId, tempId);

    private async Task<long> UnreadAsync(ShootClient api, TestUser user) =>
        (await api.GetAsync("/api/v1/chatrooms", user.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray()
            .Single(r => r!["id"]!.GetValue<long>() == _roomId)!["unreadCount"]!.GetValue<long>();
}
