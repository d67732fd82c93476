using System.Net;
using System.Text.Json.Nodes;
using Shoot.Features.Rooms;
using Shoot.Tests.Features.Messages;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Rooms;

/// <summary>
/// Issue 14, item 1: access ends with membership. Two instances on Redis + PostgreSQL + Kafka (mock): the removed user
/// is connected to the instance that did not handle the removal, and loses every room subscription and the room's
/// read-count stream at once; their other streams and the other participants' subscriptions stay.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AccessRevocationTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>
{
    [Fact]
    public async Task A_removed_participant_loses_the_room_on_every_instance_and_is_told_on_the_error_queue()
    {
        var (first, second) = await MessageExchange.StartScaledOutPairAsync(redis, postgres, kafka);
        await using var _ = first;
        await using var __ = second;
        var api = first.CreateShootClient();
        var alice = await api.CreateUserAsync("rv");
        var bob = await api.CreateUserAsync("rv");
        var carol = await api.CreateUserAsync("rv");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "t", participantIds = new[] { bob.Id, carol.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var destinations = AccessRevocation.RoomDestinations(roomId);
        var messages = destinations[0];
        var status = destinations[1];

        await using var aliceChat = await ChatClient.ConnectAsync(first.StompUri, alice.AccessToken);
        await aliceChat.SubscribeAsync(status);
        var messageId = await aliceChat.SendSavedAsync(roomId, "t-1", "before");

        // Bob and Carol are on the second instance; the removal is handled by the first.
        await using var bobChat = await ChatClient.ConnectAsync(second.StompUri, bob.AccessToken);
        await using var carolChat = await ChatClient.ConnectAsync(second.StompUri, carol.AccessToken);
        foreach (var destination in destinations)
            await bobChat.SubscribeAsync(destination);
        await carolChat.SubscribeAsync(messages);
        await using var readCount = await SseTestClient.OpenAsync(second.ServerAddress, $"/api/v1/sse/read-count/{roomId}/{messageId}", bob.AccessToken);
        await using var updates = await SseTestClient.OpenAsync(second.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        // Bob posts once before, so the second instance has his membership in its participant cache.
        await bobChat.SendSavedAsync(roomId, "b-1", "bob before");

        (await api.DeleteAsync($"/api/v1/chatrooms/{roomId}/participants/{bob.Id}", alice.AccessToken)).AssertStatus(HttpStatusCode.OK);

        var removed = await bobChat.WaitForAsync("/user/queue/errors", destinations.Length, e => e["code"]!.GetValue<string>() == "REMOVED");
        Assert.Equal(destinations.Order(), removed.Select(e => e["destination"]!.GetValue<string>()).Order());
        await readCount.WaitForEndAsync();
        await updates.WaitForAsync("room-removed", e => e["roomId"]!.GetValue<long>() == roomId);
        Assert.False(updates.Ended, "the user's own updates stream is not the room's and stays open");

        // A message after the removal reaches Carol on the same instance, and not Bob: the bus delivers in order, so
        // had Bob still been subscribed, he would have had it before Carol.
        await aliceChat.SendChatAsync(roomId, "t-2", "after");
        await carolChat.WaitForAsync(messages, 1, m => Text(m) == "after");
        Assert.DoesNotContain(bobChat.Received(messages), m => Text(m) == "after");
        Assert.DoesNotContain(bobChat.Received(status), s => s["tempId"]?.GetValue<string>() == "t-2");
        Assert.False(bobChat.Closed, "only the room's subscriptions end, not the connection");

        // Posting is refused at once on the instance that did not handle the removal (its cache was told on the bus),
        // and nobody gets the message.
        await bobChat.SendChatAsync(roomId, "b-2", "bob after");
        await bobChat.WaitForAsync("/user/queue/errors", 1, e => e["code"]!.GetValue<string>() == "NOT_FOUND" && e["tempId"]?.GetValue<string>() == "b-2");
        await aliceChat.SendChatAsync(roomId, "t-3", "later");
        await carolChat.WaitForAsync(messages, 1, m => Text(m) == "later");
        Assert.DoesNotContain(carolChat.Received(messages), m => Text(m) == "bob after");

        // Subscribing again is refused like any room the user is not in.
        await bobChat.SubscribeAsync(messages);
        await bobChat.WaitForAsync("/user/queue/errors", 1, e => e["code"]!.GetValue<string>() == "NOT_FOUND" && e["destination"]!.GetValue<string>() == messages);
    }

    private static string? Text(JsonNode message) => message["content"]?["text"]?.GetValue<string>();
}

/// <summary>Issue 14, item 1 on one embedded instance: leaving yourself, and SSE streams that end with their token.</summary>
[Trait("Category", "Integration")]
public sealed class AccessEndsTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Leaving_a_room_drops_the_leavers_own_subscriptions()
    {
        var api = _factory.CreateShootClient();
        var alice = await api.CreateUserAsync("lv");
        var bob = await api.CreateUserAsync("lv");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var (typing, active) = ($"/topic/typing/{roomId}", $"/topic/active/{roomId}");
        await using var bobChat = await ChatClient.ConnectAsync(_factory.StompUri, bob.AccessToken);
        await using var aliceChat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await bobChat.SubscribeAsync(typing);
        await bobChat.SubscribeAsync(active);
        await aliceChat.SubscribeAsync(typing);

        (await api.DeleteAsync($"/api/v1/chatrooms/{roomId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);

        var removed = await bobChat.WaitForAsync("/user/queue/errors", 2, e => e["code"]!.GetValue<string>() == "REMOVED");
        Assert.Equal(new[] { active, typing }, removed.Select(e => e["destination"]!.GetValue<string>()).Order());
        Assert.Empty(aliceChat.Errors);
        // Alice's typing reaches Alice's own subscription, and no longer Bob's.
        await aliceChat.SendAsync("/app/typing", $$"""{"roomId":{{roomId}},"isTyping":true}""");
        await aliceChat.WaitForAsync(typing, 1);
        Assert.Empty(bobChat.Received(typing));
    }

    [Fact]
    public async Task An_sse_stream_ends_when_its_access_token_expires()
    {
        var api = _factory.CreateShootClient();
        var user = await api.CreateUserAsync("ex");
        var shortLived = new TokenForge(_factory).Create(user.Id, DateTime.UtcNow.AddSeconds(3));
        await using var stream = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/unread/{user.Id}", shortLived);
        Assert.False(stream.Ended);
        await stream.WaitForEndAsync();
    }
}
