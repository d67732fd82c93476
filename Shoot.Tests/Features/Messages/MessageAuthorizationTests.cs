using System.Net;
using System.Text.Json;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>A non-member can neither subscribe to, send to, read, nor learn the existence of a room; nobody changes another's message.</summary>
[Trait("Category", "Integration")]
public sealed class MessageAuthorizationTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _mallory = null!;
    private long _roomId;
    private string _messageId = "";

    public async Task InitializeAsync()
    {
        _api = _factory.CreateShootClient();
        _alice = await _api.CreateUserAsync("az");
        _bob = await _api.CreateUserAsync("bz");
        _mallory = await _api.CreateUserAsync("mz");
        _roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await alice.SubscribeAsync($"/topic/message/status/{_roomId}");
        await alice.SendChatAsync(_roomId, "seed", "a secret");
        var saved = await alice.WaitForAsync($"/topic/message/status/{_roomId}", 1, s => s["status"]!.GetValue<string>() == "SAVED");
        _messageId = saved[0]["persistedId"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_non_member_cannot_subscribe_to_any_topic_of_the_room_and_stays_connected()
    {
        await using var mallory = await ChatClient.ConnectAsync(_factory.StompUri, _mallory.AccessToken);
        foreach (var topic in new[] { $"/topic/messages/{_roomId}", $"/topic/message/status/{_roomId}", "/topic/messages/999999", "/topic/messages/abc" })
            await mallory.SubscribeAsync(topic);
        var refusals = await mallory.WaitForAsync("/user/queue/errors", 4);
        Assert.All(refusals, r => Assert.Equal("NOT_FOUND", r["code"]!.GetValue<string>()));
        // The refusal for an existing room reads exactly like the one for a room that does not exist.
        Assert.Equal(refusals[0]["message"]!.GetValue<string>(), refusals[2]["message"]!.GetValue<string>());

        // Still connected: a member's message is not delivered to mallory, and her own subscriptions keep working.
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await alice.SubscribeAsync($"/topic/messages/{_roomId}");
        await alice.SendChatAsync(_roomId, "after", "still secret");
        await alice.WaitForAsync($"/topic/messages/{_roomId}", 1);
        Assert.Empty(mallory.Received($"/topic/messages/{_roomId}"));
        Assert.False(mallory.Closed);
    }

    [Fact]
    public async Task A_non_member_cannot_send_to_the_room_and_members_see_nothing_of_it()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_roomId}");
        await bob.SubscribeAsync($"/topic/message/status/{_roomId}");
        await using var mallory = await ChatClient.ConnectAsync(_factory.StompUri, _mallory.AccessToken);
        await mallory.SendChatAsync(_roomId, "m-1", "let me in");
        await mallory.SendAsync($"/topic/messages/{_roomId}", """{"text":"forged"}""");
        var refusals = await mallory.WaitForAsync("/user/queue/errors", 2);
        Assert.Equal("NOT_FOUND", refusals[0]["code"]!.GetValue<string>());
        Assert.Equal("m-1", refusals[0]["tempId"]!.GetValue<string>());
        Assert.Equal("UNKNOWN_DESTINATION", refusals[1]["code"]!.GetValue<string>());

        // A member's send after mallory's shows the room saw nothing from her: seq 2 follows the seed's seq 1.
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await alice.SendChatAsync(_roomId, "next", "hi");
        var delivered = await bob.WaitForAsync($"/topic/messages/{_roomId}", 1);
        Assert.Equal(2, delivered.Single()["seq"]!.GetValue<long>());
        Assert.DoesNotContain(bob.Received($"/topic/message/status/{_roomId}"), s => s["tempId"]?.GetValue<string>() == "m-1");
    }

    [Fact]
    public async Task A_non_member_cannot_read_history_a_message_or_a_thread_and_gets_404_as_for_nothing()
    {
        var token = _mallory.AccessToken;
        var existing = (await _api.GetAsync($"/api/v1/messages/{_roomId}", token)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        var missing = (await _api.GetAsync("/api/v1/messages/987654", token)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(missing.Body["message"]!.GetValue<string>(), existing.Body["message"]!.GetValue<string>());
        (await _api.GetAsync($"/api/v1/messages/{_messageId}", token)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.GetAsync($"/api/v1/messages/thread?threadId={_messageId}", token)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.GetAsync($"/api/v1/messages/{_messageId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_the_sender_changes_a_message_and_others_learn_nothing()
    {
        (await _api.PutAsync($"/api/v1/messages/{_messageId}", new { text = "hacked" }, _mallory.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.DeleteAsync($"/api/v1/messages/{_messageId}", _mallory.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.PutAsync($"/api/v1/messages/{_messageId}", new { text = "hacked" }, _bob.AccessToken)).AssertError(HttpStatusCode.Forbidden, "FORBIDDEN");
        (await _api.DeleteAsync($"/api/v1/messages/{_messageId}", _bob.AccessToken)).AssertError(HttpStatusCode.Forbidden, "FORBIDDEN");
        var unchanged = (await _api.GetAsync($"/api/v1/messages/{_messageId}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("a secret", unchanged.Data["content"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_sender_edits_and_deletes_and_members_receive_the_changed_message()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_roomId}");
        var edited = (await _api.PutAsync($"/api/v1/messages/{_messageId}", new { text = "a revised secret" }, _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.True(edited.Data["content"]!["isEdited"]!.GetValue<bool>());
        (await _api.DeleteAsync($"/api/v1/messages/{_messageId}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        var versions = await bob.WaitForAsync($"/topic/messages/{_roomId}", 2);
        Assert.Equal("a revised secret", versions[0]["content"]!["text"]!.GetValue<string>());
        Assert.True(versions[1]["content"]!["isDeleted"]!.GetValue<bool>());
        Assert.Equal("", versions[1]["content"]!["text"]!.GetValue<string>());
        (await _api.PutAsync($"/api/v1/messages/{_messageId}", new { text = "again" }, _alice.AccessToken)).AssertError(HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Invalid_sends_are_refused_with_reasons_on_the_error_queue()
    {
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await alice.SendAsync("/app/chat", "{not json");
        string Chat(string tempId, string text, string? type = null, string? threadId = null) =>
            JsonSerializer.Serialize(new { tempId, roomId = _roomId, content = new { text, type }, threadId });
        await alice.SendAsync("/app/chat", Chat("e1", ""));
        await alice.SendAsync("/app/chat", Chat("e2", new string('x', 4001)));
        await alice.SendAsync("/app/chat", Chat("e3", "hi", "VIDEO"));
        await alice.SendAsync("/app/chat", Chat("e4", "hi", threadId: "000000000000000000000000"));
        await alice.SendAsync("/app/chat", """{"tempId":"e5","content":{"text":"hi"}}""");
        var errors = await alice.WaitForAsync("/user/queue/errors", 6);
        Assert.All(errors, e => Assert.Equal("VALIDATION_FAILED", e["code"]!.GetValue<string>()));
        Assert.Equal([null, "e1", "e2", "e3", "e4", "e5"], errors.Select(e => e["tempId"]?.GetValue<string>()));
        Assert.Contains("content.text", errors[1]["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sending_faster_than_the_limit_is_refused_with_rate_limited()
    {
        await using var limited = new ShootAppFactory(new Dictionary<string, string?> { ["Shoot:Limits:MessagesPerSecond"] = "3", ["Shoot:Limits:MessagesPerMinute"] = "1000" }, kestrel: true);
        var api = limited.CreateShootClient();
        var a = await api.CreateUserAsync("rl");
        var b = await api.CreateUserAsync("rl");
        var room = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { b.Id } }, a.AccessToken)).Data["id"]!.GetValue<long>();
        await using var client = await ChatClient.ConnectAsync(limited.StompUri, a.AccessToken);
        for (var i = 0; i < 10; i++)
            await client.SendChatAsync(room, $"r{i}", "spam");
        var refusal = (await client.WaitForAsync("/user/queue/errors", 1)).First();
        Assert.Equal("RATE_LIMITED", refusal["code"]!.GetValue<string>());
    }
}
