using System.Net;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Sse;

/// <summary>The updates stream read by a real HTTP client: room and friend events, access rules, Last-Event-ID.</summary>
[Trait("Category", "Integration")]
public sealed class UpdatesStreamTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private ShootClient _api = null!;

    public Task InitializeAsync()
    {
        _api = _factory.CreateShootClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Room_created_and_removed_reach_each_participants_own_stream()
    {
        var alice = await _api.CreateUserAsync("sa");
        var bob = await _api.CreateUserAsync("sb");
        await using var bobStream = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        // The browser way: the token in the query string.
        await using var aliceStream = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{alice.Id}?token={alice.AccessToken}");

        var roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { bob.Id }, title = "Stream" }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var created = (await bobStream.WaitForAsync("room-created", 1)).Single();
        Assert.Equal(roomId, created.Data["id"]!.GetValue<long>());
        Assert.Equal("Stream", created.Data["title"]!.GetValue<string>());
        Assert.Equal(0, created.Data["unreadCount"]!.GetValue<int>());
        await aliceStream.WaitForAsync("room-created", 1);

        (await _api.DeleteAsync($"/api/v1/chatrooms/{roomId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        var removed = (await bobStream.WaitForAsync("room-removed", 1)).Single();
        Assert.Equal(roomId, removed.Data["roomId"]!.GetValue<long>());
        Assert.DoesNotContain(aliceStream.Events, e => e.Event == "room-removed");
    }

    [Fact]
    public async Task Friend_added_and_removed_reach_both_sides()
    {
        var alice = await _api.CreateUserAsync("fa");
        var bob = await _api.CreateUserAsync("fb");
        await using var aliceStream = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{alice.Id}", alice.AccessToken);
        await using var bobStream = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        var request = (await _api.PostAsync("/api/v1/users/friends/requests", new { targetUserId = bob.Id }, alice.AccessToken)).AssertStatus(HttpStatusCode.Created);
        (await _api.PostAsync($"/api/v1/users/friends/requests/{request.Data["id"]!.GetValue<long>()}/accept", null, bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(bob.Id, (await aliceStream.WaitForAsync("friend-added", 1)).Single().Data["userId"]!.GetValue<long>());
        Assert.Equal(alice.Id, (await bobStream.WaitForAsync("friend-added", 1)).Single().Data["userId"]!.GetValue<long>());
        (await _api.DeleteAsync($"/api/v1/users/friends/{bob.Id}", alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(alice.Id, (await bobStream.WaitForAsync("friend-removed", 1)).Single().Data["userId"]!.GetValue<long>());
    }

    [Fact]
    public async Task Another_users_stream_is_403_and_no_token_is_401()
    {
        var alice = await _api.CreateUserAsync("xa");
        var bob = await _api.CreateUserAsync("xb");
        var forbidden = await Assert.ThrowsAsync<SseRefusedException>(() => SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", alice.AccessToken));
        Assert.Equal(403, forbidden.Status);
        Assert.Contains("FORBIDDEN", forbidden.Body);
        var unread = await Assert.ThrowsAsync<SseRefusedException>(() => SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/unread/{bob.Id}", alice.AccessToken));
        Assert.Equal(403, unread.Status);
        var anonymous = await Assert.ThrowsAsync<SseRefusedException>(() => SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{alice.Id}"));
        Assert.Equal(401, anonymous.Status);
    }

    [Fact]
    public async Task A_read_count_stream_is_for_participants_only()
    {
        var alice = await _api.CreateUserAsync("ra");
        var bob = await _api.CreateUserAsync("rb");
        var mallory = await _api.CreateUserAsync("rm");
        var roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken)).Data["id"]!.GetValue<long>();
        await using var chat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/message/status/{roomId}");
        await chat.SendChatAsync(roomId, "t", "hello");
        var messageId = (await chat.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["status"]!.GetValue<string>() == "SAVED"))[0]["persistedId"]!.GetValue<string>();

        await using var allowed = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/read-count/{roomId}/{messageId}", bob.AccessToken);
        var refused = await Assert.ThrowsAsync<SseRefusedException>(() =>
            SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/read-count/{roomId}/{messageId}", mallory.AccessToken));
        Assert.Equal(404, refused.Status);
    }

    [Fact]
    public async Task Last_event_id_replays_what_was_missed()
    {
        var alice = await _api.CreateUserAsync("la");
        var bob = await _api.CreateUserAsync("lb");
        string lastSeen;
        await using (var first = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken))
        {
            await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { bob.Id }, title = "One" }, alice.AccessToken);
            lastSeen = (await first.WaitForAsync("room-created", 1)).Single().Id;
        }
        await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { bob.Id }, title = "Two" }, alice.AccessToken);
        await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { bob.Id }, title = "Three" }, alice.AccessToken);

        await using var resumed = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken, lastEventId: lastSeen);
        var missed = await resumed.WaitForAsync("room-created", 2);
        Assert.Equal(["Two", "Three"], missed.Select(e => e.Data["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_stored_message_updates_the_room_and_unread_streams_and_reading_clears_them()
    {
        var alice = await _api.CreateUserAsync("ua");
        var bob = await _api.CreateUserAsync("ub");
        var roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken)).Data["id"]!.GetValue<long>();
        await using var bobUpdates = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{bob.Id}", bob.AccessToken);
        await using var bobUnread = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/unread/{bob.Id}", bob.AccessToken);
        await using var aliceUnread = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/unread/{alice.Id}", alice.AccessToken);

        await using var chat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/message/status/{roomId}");
        await chat.SendChatAsync(roomId, "one", "first");
        await chat.SendChatAsync(roomId, "two", "second");
        var saved = await chat.WaitForAsync($"/topic/message/status/{roomId}", 2, s => s["status"]!.GetValue<string>() == "SAVED");
        var lastId = saved[^1]["persistedId"]!.GetValue<string>();

        var latest = await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 2);
        Assert.Equal(roomId, latest["roomId"]!.GetValue<long>());
        Assert.Equal(2, latest["totalUnread"]!.GetValue<long>());
        var update = await bobUpdates.WaitForAsync("room-update", u => u["lastMessage"]?["id"]?.GetValue<string>() == lastId);
        Assert.Equal(roomId, update["roomId"]!.GetValue<long>());
        Assert.Equal(2, update["unreadCount"]!.GetValue<long>());
        // The sender's own messages are not unread for her.
        Assert.DoesNotContain(aliceUnread.Events, e => e.Event == "unread");

        // A read-count stream on the last message sees bob's read.
        await using var readCount = await SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/read-count/{roomId}/{lastId}", alice.AccessToken);
        (await _api.PostAsync("/api/v1/messages/mark-read", new { roomId }, bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        var cleared = await bobUnread.WaitForAsync("unread", u => u["unreadCount"]!.GetValue<long>() == 0);
        Assert.Equal(0, cleared["totalUnread"]!.GetValue<long>());
        var count = await readCount.WaitForAsync("read-count", _ => true);
        Assert.Equal(lastId, count["messageId"]!.GetValue<string>());
        Assert.Equal(1, count["readCount"]!.GetValue<int>());
        Assert.Equal(2, count["participantCount"]!.GetValue<int>());
    }
}
