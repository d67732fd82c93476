using System.Net;
using Shoot.Tests.Features.Messages;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Sse;

/// <summary>Streams on one instance get the events caused on the other (the bus), and idle streams get pings.</summary>
[Trait("Category", "Integration")]
public sealed class SseAcrossInstancesTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>
{
    [Fact]
    public async Task Events_caused_on_one_instance_reach_streams_on_the_other_and_resume_there()
    {
        var settings = await MessageExchange.ScaledOutSettingsAsync(redis, postgres, kafka);
        settings["Shoot:Sse:PingInterval"] = "00:00:00.200";
        await using var first = new ShootAppFactory(settings, kestrel: true);
        await using var second = new ShootAppFactory(settings, kestrel: true);
        var api = first.CreateShootClient();
        var alice = await api.CreateUserAsync("ia");
        var bob = await api.CreateUserAsync("ib");

        // Bob's stream is on the second instance; everything Alice does goes through the first.
        await using var bobStream = await SseTestClient.OpenAsync(second.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        await using var bobUnread = await SseTestClient.OpenAsync(second.ServerAddress, $"/api/v1/sse/unread/{bob.Id}", bob.AccessToken);
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var created = (await bobStream.WaitForAsync("room-created", 1)).Single();
        Assert.Equal(roomId, created.Data["id"]!.GetValue<long>());

        await using var chat = await ChatClient.ConnectAsync(first.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/message/status/{roomId}");
        await chat.SendChatAsync(roomId, "x1", "across");
        await chat.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["status"]!.GetValue<string>() == "SAVED");
        await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 1);
        var update = await bobStream.WaitForAsync("room-update", u => u["unreadCount"]!.GetValue<long>() == 1);
        Assert.Equal(roomId, update["roomId"]!.GetValue<long>());

        // Idle, the stream gets pings (here every 200 ms).
        await bobStream.WaitForCommentAsync("ping", 2);

        // Reconnecting to the other instance with Last-Event-ID replays what came after it: every instance holds the events.
        var createdId = created.Id;
        await using var resumed = await SseTestClient.OpenAsync(first.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken, lastEventId: createdId);
        var replayed = await resumed.WaitForAsync("room-update", u => u["roomId"]!.GetValue<long>() == roomId);
        Assert.Equal(1, replayed["unreadCount"]!.GetValue<long>());
        Assert.DoesNotContain(resumed.Events, e => e.Event == "room-created");
    }
}
