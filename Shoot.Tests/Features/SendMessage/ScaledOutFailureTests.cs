using System.Net;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Failure tests on two instances sharing Redis, PostgreSQL and the mock Kafka cluster: the broker down for 10 s
/// mid-stream, an instance stopped mid-stream, a retried send after a dropped connection (issue 4), and unread counts
/// that move at delivery while the broker is down (issue 5).
/// This class owns its Kafka cluster, since it takes the brokers down.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScaledOutFailureTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>, IAsyncLifetime
{
    private ShootAppFactory _first = null!;
    private ShootAppFactory _second = null!;

    public async Task InitializeAsync() => (_first, _second) = await MessageExchange.StartScaledOutPairAsync(redis, postgres, kafka);

    public async Task DisposeAsync()
    {
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    private async Task<(TestUser Alice, TestUser Bob, long RoomId)> RoomAsync()
    {
        var api = _first.CreateShootClient();
        var alice = await api.CreateUserAsync("fa");
        var bob = await api.CreateUserAsync("fb");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        return (alice, bob, roomId);
    }

    [Fact]
    public async Task With_the_kafka_brokers_down_for_10_seconds_no_accepted_message_is_lost_or_duplicated()
    {
        var (alice, bob, roomId) = await RoomAsync();
        await using var a = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        await using var b = await ChatClient.ConnectAsync(_second.StompUri, bob.AccessToken);
        await a.SubscribeAsync($"/topic/message/status/{roomId}");
        await b.SubscribeAsync($"/topic/messages/{roomId}");

        const int total = 150;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await a.SendChatAsync(roomId, $"k-{i}", $"message {i}");
                await Task.Delay(20);
            }
        });
        await a.WaitForAsync($"/topic/message/status/{roomId}", 30, s => s["status"]!.GetValue<string>() == "SAVED");
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerDown(id);
        await Task.Delay(TimeSpan.FromSeconds(10));
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        await sending;

        // Every send reached a final status; the outage delays, it does not fail, a send (delivery timeout 30 s).
        var finals = await a.WaitForAsync($"/topic/message/status/{roomId}", total, s => s["status"]!.GetValue<string>() is "SAVED" or "FAILED");
        Assert.All(finals, s => Assert.Equal("SAVED", s["status"]!.GetValue<string>()));
        Assert.Equal(total, finals.Select(s => s["tempId"]!.GetValue<string>()).Distinct().Count());

        var live = await b.WaitForAsync($"/topic/messages/{roomId}", total);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), live.Select(m => m["seq"]!.GetValue<long>()));
        var stored = await MessageExchange.ReadWholeHistoryAsync(_second.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), stored.Select(m => m["seq"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_delivered_message_counts_as_unread_everywhere_before_it_is_stored()
    {
        var (alice, bob, roomId) = await RoomAsync();
        var api = _second.CreateShootClient();
        await using var a = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        await using var b = await ChatClient.ConnectAsync(_second.StompUri, bob.AccessToken);
        await a.SubscribeAsync($"/topic/message/status/{roomId}");
        await b.SubscribeAsync($"/topic/messages/{roomId}");
        await using var bobUnread = await SseTestClient.OpenAsync(_second.ServerAddress, $"/api/v1/sse/unread/{bob.Id}", bob.AccessToken);
        await using var bobUpdates = await SseTestClient.OpenAsync(_second.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        await a.SendChatAsync(roomId, "u-1", "stored first");
        var first = (await a.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["status"]!.GetValue<string>() == "SAVED")).Single();

        // With the brokers down nothing more is stored, yet the next message is delivered and counted at once.
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerDown(id);
        await a.SendChatAsync(roomId, "u-2", "not stored yet");
        await b.WaitForAsync($"/topic/messages/{roomId}", 2);
        var unread = await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 2);
        Assert.Equal(2, unread["totalUnread"]!.GetValue<long>());
        var update = await bobUpdates.WaitForAsync("room-update", u => u["unreadCount"]!.GetValue<long>() == 2);
        Assert.Equal("not stored yet", update["lastMessage"]!["text"]!.GetValue<string>());
        var list = (await api.GetAsync("/api/v1/chatrooms", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal(2, list.Single()!["unreadCount"]!.GetValue<long>());
        // Reading the stored one leaves the one on its way unread.
        var read = (await api.PostAsync("/api/v1/messages/mark-read", new { roomId, messageId = first["persistedId"]!.GetValue<string>() }, bob.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(1, read["unreadCount"]!.GetValue<long>());
        // And the one on its way can be read too, as delivered (its id is all the client has).
        var delivered = b.Received($"/topic/messages/{roomId}").Single(m => m["tempId"]!.GetValue<string>() == "u-2");
        await b.SendAsync("/app/read", System.Text.Json.JsonSerializer.Serialize(new { roomId, messageId = delivered["id"]!.GetValue<string>() }));
        await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 0);
        Assert.Empty(b.Errors);
        // "The whole room" is everything delivered, the message on its way included.
        var whole = (await _first.CreateShootClient().PostAsync("/api/v1/messages/mark-read", new { roomId }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(delivered["id"]!.GetValue<string>(), whole["lastReadMessageId"]!.GetValue<string>());
        Assert.DoesNotContain(a.Received($"/topic/message/status/{roomId}"),
            s => s["tempId"]!.GetValue<string>() == "u-2" && s["status"]!.GetValue<string>() == "SAVED");

        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        await a.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["tempId"]!.GetValue<string>() == "u-2" && s["status"]!.GetValue<string>() == "SAVED");
        // Once stored, the message Bob read on its way goes out again with its readCount.
        await b.WaitForAsync($"/topic/messages/{roomId}", 1,
            m => m["id"]!.GetValue<string>() == delivered["id"]!.GetValue<string>() && m["readCount"]!.GetValue<int>() == 1);
        var room = (await api.GetAsync($"/api/v1/chatrooms/{roomId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(delivered["id"]!.GetValue<string>(),
            room["participants"]!.AsArray().Single(p => p!["userId"]!.GetValue<long>() == bob.Id)!["lastReadMessageId"]!.GetValue<string>());
        list = (await api.GetAsync("/api/v1/chatrooms", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal(0, list.Single()!["unreadCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Clients_of_a_stopped_instance_resume_on_the_other_and_miss_nothing()
    {
        var (alice, bob, roomId) = await RoomAsync();
        await using var a = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        var b = await ChatClient.ConnectAsync(_second.StompUri, bob.AccessToken);
        await b.SubscribeAsync($"/topic/messages/{roomId}");

        const int total = 200;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await a.SendChatAsync(roomId, $"s-{i}", $"message {i}");
                await Task.Delay(10);
            }
        });
        await b.WaitForAsync($"/topic/messages/{roomId}", 40);
        await _second.DisposeAsync();
        var beforeStop = b.Received($"/topic/messages/{roomId}").Select(m => m["seq"]!.GetValue<long>()).ToList();
        await b.DisposeAsync();

        // Bob reconnects to the surviving instance and asks for everything after the last seq he saw.
        await using var resumed = await ChatClient.ConnectAsync(_first.StompUri, bob.AccessToken);
        await resumed.SubscribeAsync($"/topic/messages/{roomId}", ("x-resume-after-seq", beforeStop[^1].ToString()));
        await sending;
        var after = await resumed.WaitForAsync($"/topic/messages/{roomId}", total - beforeStop.Count);
        var seen = beforeStop.Concat(after.Select(m => m["seq"]!.GetValue<long>())).ToList();
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task A_retried_send_after_a_dropped_connection_creates_one_message()
    {
        var (alice, bob, roomId) = await RoomAsync();
        var first = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        await first.SubscribeAsync($"/topic/message/status/{roomId}");
        await first.SendChatAsync(roomId, "retry-me", "only once");
        await first.WaitForAsync($"/topic/message/status/{roomId}", 1);
        await first.DisposeAsync();

        // The retry reaches the other instance.
        await using var again = await ChatClient.ConnectAsync(_second.StompUri, alice.AccessToken);
        await again.SubscribeAsync($"/topic/message/status/{roomId}");
        await again.SendChatAsync(roomId, "retry-me", "only once");
        var answer = (await again.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["tempId"]!.GetValue<string>() == "retry-me"))[0];
        Assert.Equal(1, answer["seq"]!.GetValue<long>());

        await again.SendChatAsync(roomId, "next", "second message");
        await again.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["tempId"]!.GetValue<string>() == "next" && s["status"]!.GetValue<string>() == "SAVED");
        var stored = await MessageExchange.ReadWholeHistoryAsync(_first.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(["retry-me", "next"], stored.Select(m => m["tempId"]!.GetValue<string>()));
        Assert.Equal([1L, 2L], stored.Select(m => m["seq"]!.GetValue<long>()));
    }
}
