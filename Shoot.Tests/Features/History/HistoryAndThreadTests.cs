using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>History cursors, threads and replies, and the room's lastMessage, through the real API after real sends.</summary>
[Trait("Category", "Integration")]
public sealed class HistoryAndThreadTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(MessageExchange.UnlimitedSending(), kestrel: true);
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!;
    private long _roomId;
    private ChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _api = _factory.CreateShootClient();
        _alice = await _api.CreateUserAsync("ha");
        _bob = await _api.CreateUserAsync("hb");
        _roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { _bob.Id }, title = "History" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        _chat = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await _chat.SubscribeAsync($"/topic/message/status/{_roomId}");
    }

    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
        await _factory.DisposeAsync();
    }

    /// <summary>Sends and waits until stored; returns the stored message id.</summary>
    private async Task<string> SendSavedAsync(string tempId, string text, string? threadId = null, string? replyTo = null)
    {
        await _chat.SendChatAsync(_roomId, tempId, text, threadId, replyTo);
        var saved = await _chat.WaitForAsync($"/topic/message/status/{_roomId}", 1,
            s => s["tempId"]!.GetValue<string>() == tempId && s["status"]!.GetValue<string>() == "SAVED");
        return saved[0]["persistedId"]!.GetValue<string>();
    }

    [Fact]
    public async Task History_pages_newest_first_with_before_and_after_cursors_and_oldest_first_after_a_seq()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
            ids.Add(await SendSavedAsync($"h{i}", $"text {i}"));

        var first = (await _api.GetAsync($"/api/v1/messages/{_roomId}?limit=3", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([ids[6], ids[5], ids[4]], first.Data["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var cursor = first.Data["nextCursor"]!.GetValue<string>();
        Assert.Equal(ids[4], cursor);
        var second = (await _api.GetAsync($"/api/v1/messages/{_roomId}?limit=3&before={cursor}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([ids[3], ids[2], ids[1]], second.Data["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var last = (await _api.GetAsync($"/api/v1/messages/{_roomId}?limit=3&before={ids[1]}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([ids[0]], last.Data["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Null(last.Data["nextCursor"]);

        var newer = (await _api.GetAsync($"/api/v1/messages/{_roomId}?after={ids[4]}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([ids[6], ids[5]], newer.Data["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var afterSeq = (await _api.GetAsync($"/api/v1/messages/{_roomId}?afterSeq=5", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([6L, 7L], afterSeq.Data["items"]!.AsArray().Select(m => m!["seq"]!.GetValue<long>()));

        (await _api.GetAsync($"/api/v1/messages/{_roomId}?before=nothex", _bob.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await _api.GetAsync($"/api/v1/messages/{_roomId}?limit=101", _bob.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await _api.GetAsync($"/api/v1/messages/{_roomId}?afterSeq=-1", _bob.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task A_thread_holds_its_replies_and_replies_point_at_messages_of_the_room()
    {
        var root = await SendSavedAsync("root", "a question");
        var r1 = await SendSavedAsync("r1", "answer one", threadId: root);
        var r2 = await SendSavedAsync("r2", "answer two", threadId: root, replyTo: r1);
        await SendSavedAsync("other", "unrelated");

        var thread = (await _api.GetAsync($"/api/v1/messages/thread?threadId={root}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(root, thread.Data["root"]!["id"]!.GetValue<string>());
        Assert.Equal([r2, r1], thread.Data["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Equal(r1, thread.Data["items"]![0]!["replyToMessageId"]!.GetValue<string>());
        Assert.Equal(root, thread.Data["items"]![0]!["threadId"]!.GetValue<string>());

        // A thread id from another room is refused: it must name a message of this room.
        var otherRoom = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        await _chat.SendChatAsync(otherRoom, "cross", "sneaky", threadId: root);
        var refusal = await _chat.WaitForAsync("/user/queue/errors", 1);
        Assert.Equal("VALIDATION_FAILED", refusal[0]["code"]!.GetValue<string>());
        (await _api.GetAsync("/api/v1/messages/thread?threadId=zzz", _bob.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task The_room_list_shows_the_last_stored_message_and_orders_by_activity()
    {
        var quiet = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        await SendSavedAsync("l1", "first");
        var lastId = await SendSavedAsync("l2", "latest words");

        var rooms = (await _api.GetAsync("/api/v1/chatrooms", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal(_roomId, rooms[0]!["id"]!.GetValue<long>());
        Assert.Equal(lastId, rooms[0]!["lastMessage"]!["id"]!.GetValue<string>());
        Assert.Equal("latest words", rooms[0]!["lastMessage"]!["text"]!.GetValue<string>());
        Assert.Equal(_alice.Id, rooms[0]!["lastMessage"]!["senderId"]!.GetValue<long>());
        Assert.Contains(rooms, r => r!["id"]!.GetValue<long>() == quiet && r["lastMessage"] is null);
    }

    [Fact]
    public async Task When_the_last_participant_leaves_the_rooms_messages_are_deleted()
    {
        await SendSavedAsync("bye", "soon gone");
        var store = _factory.Services.GetRequiredService<IMessageStore>();
        Assert.NotEmpty(await store.PageAsync(new MessagePage(_roomId, 10)));
        (await _api.DeleteAsync($"/api/v1/chatrooms/{_roomId}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.NotEmpty(await store.PageAsync(new MessagePage(_roomId, 10)));
        (await _api.DeleteAsync($"/api/v1/chatrooms/{_roomId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Empty(await store.PageAsync(new MessagePage(_roomId, 10)));
    }
}
