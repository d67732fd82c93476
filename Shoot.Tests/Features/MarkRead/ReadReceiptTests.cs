using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Read positions, unread counts and readCount (issue 5), through real sends over STOMP, waiting for SAVED before reading.
/// Alice sends; Bob and Carol read, in a GROUP room of the three. Run on SQLite and on PostgreSQL (where the read
/// positions are compared with their own SQL).
/// </summary>
public abstract class ReadReceiptTests(ClassHost host) : IAsyncLifetime
{
    private ShootAppFactory _factory = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _carol = null!;
    private long _roomId;
    private ChatClient _chat = null!;

    protected abstract Task<Dictionary<string, string?>> SettingsAsync();

    public async Task InitializeAsync()
    {
        _factory = await host.StartAsync(async () => await SettingsAsync(), kestrel: true);
        _api = _factory.CreateShootClient();
        _alice = await _api.CreateUserAsync("ra");
        _bob = await _api.CreateUserAsync("rb");
        _carol = await _api.CreateUserAsync("rc");
        _roomId = await CreateGroupAsync("Reading room", _bob, _carol);
        _chat = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await _chat.SubscribeAsync($"/topic/message/status/{_roomId}");
    }

    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Unread_counts_follow_sends_reads_and_deletes_and_a_position_never_moves_back()
    {
        var m1 = await SendSavedAsync(_chat, "m1");
        var m2 = await SendSavedAsync(_chat, "m2");
        var m3 = await SendSavedAsync(_chat, "m3");
        Assert.Equal(3, await UnreadAsync(_bob));
        Assert.Equal(0, await UnreadAsync(_alice));

        var read = await MarkReadAsync(_bob, m2);
        Assert.Equal(m2, read["lastReadMessageId"]!.GetValue<string>());
        Assert.Equal(1, read["unreadCount"]!.GetValue<long>());
        Assert.Equal(_roomId, read["roomId"]!.GetValue<long>());

        // Bob's own message is never unread for him; Alice has no position yet, so it is all she has unread.
        await using var bobChat = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bobChat.SubscribeAsync($"/topic/message/status/{_roomId}");
        await SendSavedAsync(bobChat, "b1");
        Assert.Equal(1, await UnreadAsync(_bob));
        Assert.Equal(1, await UnreadAsync(_alice));

        (await _api.DeleteAsync($"/api/v1/messages/{m3}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(0, await UnreadAsync(_bob));

        var back = await MarkReadAsync(_bob, m1);
        Assert.Equal(m2, back["lastReadMessageId"]!.GetValue<string>());
        Assert.Equal(0, back["unreadCount"]!.GetValue<long>());

        // Over STOMP: the read lands asynchronously, so wait for the room list to show it.
        var m4 = await SendSavedAsync(_chat, "m4");
        Assert.Equal(1, await UnreadAsync(_bob));
        await bobChat.SendAsync("/app/read", JsonSerializer.Serialize(new { roomId = _roomId, messageId = m4 }));
        await Eventually.HoldsAsync(async () => await UnreadAsync(_bob) == 0);
        Assert.Equal(m4, await PositionAsync(_bob));
        Assert.Empty(bobChat.Errors);

        // No messageId: up to the newest stored message of the room.
        var whole = await MarkReadAsync(_carol, null);
        Assert.Equal(m4, whole["lastReadMessageId"]!.GetValue<string>());
        Assert.Equal(0, whole["unreadCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Favorites_and_search_carry_the_unread_count_too()
    {
        await SendSavedAsync(_chat, "f1");
        await SendSavedAsync(_chat, "f2");
        (await _api.PostAsync($"/api/v1/chatrooms/{_roomId}/favorite", null, _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);

        var favorites = (await _api.GetAsync("/api/v1/chatrooms/favorites", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal(2, favorites.Single(r => r!["id"]!.GetValue<long>() == _roomId)!["unreadCount"]!.GetValue<long>());
        var found = (await _api.GetAsync("/api/v1/chatrooms/search?q=reading", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal(2, found.Single(r => r!["id"]!.GetValue<long>() == _roomId)!["unreadCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Leaving_and_rejoining_a_group_room_starts_from_no_position()
    {
        await SendSavedAsync(_chat, "j1");
        var j2 = await SendSavedAsync(_chat, "j2");
        Assert.Equal(0, (await MarkReadAsync(_bob, j2))["unreadCount"]!.GetValue<long>());

        (await _api.DeleteAsync($"/api/v1/chatrooms/{_roomId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await _api.PostAsync($"/api/v1/chatrooms/{_roomId}/participants", new { userIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK);

        Assert.Null(await PositionAsync(_bob));
        Assert.Equal(2, await UnreadAsync(_bob));
    }

    [Fact]
    public async Task History_detail_and_thread_carry_read_counts_from_the_positions()
    {
        await using var watcher = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await watcher.SubscribeAsync($"/topic/messages/{_roomId}");
        var m1 = await SendSavedAsync(_chat, "c1");
        var m2 = await SendSavedAsync(_chat, "c2", threadId: m1);
        await MarkReadAsync(_bob, m1);
        await MarkReadAsync(_carol, m2);
        // Alice reading her own messages does not count for them.
        await MarkReadAsync(_alice, m2);
        // The changed readCounts are re-broadcast after a short window; wait for them, so that they cannot land in the
        // resumed subscription below (on a loaded machine they came after it and were counted as replayed).
        await watcher.WaitForAsync($"/topic/messages/{_roomId}", 1, m => m["id"]!.GetValue<string>() == m1 && m["readCount"]?.GetValue<int>() == 2);
        await watcher.WaitForAsync($"/topic/messages/{_roomId}", 1, m => m["id"]!.GetValue<string>() == m2 && m["readCount"]?.GetValue<int>() == 1);

        var page = (await _api.GetAsync($"/api/v1/messages/{_roomId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal([1, 2], page.Select(m => m!["readCount"]!.GetValue<int>()));
        var detail = (await _api.GetAsync($"/api/v1/messages/{m1}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(2, detail["readCount"]!.GetValue<int>());
        var thread = (await _api.GetAsync($"/api/v1/messages/thread?threadId={m1}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(2, thread["root"]!["readCount"]!.GetValue<int>());
        Assert.Equal(1, thread["items"]![0]!["readCount"]!.GetValue<int>());

        // A resuming subscription replays stored messages with their counts too (oldest first).
        await using var resumed = await ChatClient.ConnectAsync(_factory.StompUri, _carol.AccessToken);
        await resumed.SubscribeAsync($"/topic/messages/{_roomId}", ("x-resume-after-seq", "0"));
        Assert.Equal([2, 1], resumed.Received($"/topic/messages/{_roomId}").Select(m => m["readCount"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_burst_of_reads_is_broadcast_coalesced_with_the_final_read_counts()
    {
        const int readers = 8;
        var users = new List<TestUser>();
        for (var i = 0; i < readers; i++)
            users.Add(await _api.CreateUserAsync("rr"));
        var roomId = await CreateGroupAsync("Burst", [.. users]);
        await _chat.SubscribeAsync($"/topic/message/status/{roomId}");
        await _chat.SubscribeAsync($"/topic/messages/{roomId}");
        var m1 = await SendSavedAsync(_chat, "burst-1", roomId: roomId);
        var m2 = await SendSavedAsync(_chat, "burst-2", roomId: roomId);

        var clients = await Task.WhenAll(users.Select(u => ChatClient.ConnectAsync(_factory.StompUri, u.AccessToken)));
        try
        {
            // Each read moves a first position past both messages: sent one update per read, that would be 2 × 8 = 16.
            await Task.WhenAll(clients.Select(c => c.SendAsync("/app/read", JsonSerializer.Serialize(new { roomId, messageId = m2 }))));
            await _chat.WaitForAsync($"/topic/messages/{roomId}", 2, m => IsReadUpdate(m) && m["readCount"]!.GetValue<int>() == readers);
            await Task.Delay(ReadCountWindowTimes(3));

            var updates = _chat.Received($"/topic/messages/{roomId}").Where(IsReadUpdate).ToList();
            Assert.True(updates.Count < readers, $"{updates.Count} updates for {readers} reads");
            Assert.Equal(readers, updates.Last(u => u["id"]!.GetValue<string>() == m1)["readCount"]!.GetValue<int>());
            Assert.Equal(readers, updates.Last(u => u["id"]!.GetValue<string>() == m2)["readCount"]!.GetValue<int>());
            Assert.All(clients, c => Assert.Empty(c.Errors));
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_read_move_re_broadcasts_at_most_the_newest_fifty_messages_newest_first()
    {
        const int sent = 55;
        await _chat.SubscribeAsync($"/topic/messages/{_roomId}");
        for (var i = 0; i < sent; i++)
            await _chat.SendChatAsync(_roomId, $"cap-{i}", $"text {i}");
        var saved = await _chat.WaitForAsync($"/topic/message/status/{_roomId}", sent, s => s["status"]!.GetValue<string>() == "SAVED");
        var newestFirst = saved.Select(s => s["persistedId"]!.GetValue<string>()).Order(StringComparer.Ordinal).Reverse().ToList();

        Assert.Equal(newestFirst[0], (await MarkReadAsync(_bob, null))["lastReadMessageId"]!.GetValue<string>());
        await _chat.WaitForAsync($"/topic/messages/{_roomId}", 50, IsReadUpdate);
        await Task.Delay(ReadCountWindowTimes(3));

        var updates = _chat.Received($"/topic/messages/{_roomId}").Where(IsReadUpdate).ToList();
        Assert.Equal(newestFirst.Take(50), updates.Select(u => u["id"]!.GetValue<string>()));
        Assert.All(updates, u => Assert.Equal(1, u["readCount"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Outsiders_and_wrong_messages_are_not_found_and_bad_input_is_refused()
    {
        var m1 = await SendSavedAsync(_chat, "a1");
        var dave = await _api.CreateUserAsync("rd");
        var elsewhere = await CreateGroupAsync("Elsewhere", _bob);
        await _chat.SubscribeAsync($"/topic/message/status/{elsewhere}");
        var e1 = await SendSavedAsync(_chat, "e1", roomId: elsewhere);

        (await MarkReadResponseAsync(dave, _roomId, m1)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await MarkReadResponseAsync(dave, _roomId, null)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await MarkReadResponseAsync(dave, 999_999, null)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        // A message of another room, or none at all, is not a message of this room.
        (await MarkReadResponseAsync(_carol, _roomId, e1)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await MarkReadResponseAsync(_carol, _roomId, "6b071ea5efdcf4691a7309a0")).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await MarkReadResponseAsync(_carol, _roomId, "nothex")).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await _api.PostAsync("/api/v1/messages/mark-read", new { messageId = m1 }, _carol.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        await using var daveChat = await ChatClient.ConnectAsync(_factory.StompUri, dave.AccessToken);
        await daveChat.SendAsync("/app/read", JsonSerializer.Serialize(new { roomId = _roomId, messageId = m1 }));
        Assert.Equal("NOT_FOUND", (await daveChat.WaitForAsync("/user/queue/errors", 1))[0]["code"]!.GetValue<string>());
        Assert.Null(await PositionAsync(_carol));
    }

    private static bool IsReadUpdate(JsonNode message) => message["status"]!.GetValue<string>() == "SAVED";

    private static TimeSpan ReadCountWindowTimes(int n) => TimeSpan.FromMilliseconds(200 * n);

    [Fact]
    public async Task Readers_lists_the_participants_at_or_past_a_message_with_their_nickname_and_read_time()
    {
        var m1 = await SendSavedAsync(_chat, "r1");
        var m2 = await SendSavedAsync(_chat, "r2");
        Assert.Empty((await ReadersAsync(_alice, m1)).AsArray());

        await MarkReadAsync(_bob, m2);
        await MarkReadAsync(_carol, m1);
        await MarkReadAsync(_alice, m2); // the sender's own position never counts
        var readersOfM1 = (await ReadersAsync(_bob, m1)).AsArray();
        Assert.Equal(new[] { _bob.Id, _carol.Id }.Order(), readersOfM1.Select(r => r!["userId"]!.GetValue<long>()).Order());
        Assert.All(readersOfM1, r => Assert.NotNull(r!["readAt"]));
        var bob = readersOfM1.Single(r => r!["userId"]!.GetValue<long>() == _bob.Id)!;
        Assert.Equal("Nick " + _bob.Username, bob["nickname"]!.GetValue<string>());
        Assert.Equal(new[] { _bob.Id }, (await ReadersAsync(_carol, m2)).AsArray().Select(r => r!["userId"]!.GetValue<long>()));

        // Participants only: an outsider gets 404, exactly as for a message that does not exist.
        var outsider = await _api.CreateUserAsync("ro");
        (await _api.GetAsync($"/api/v1/messages/{m1}/readers", outsider.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.GetAsync("/api/v1/messages/000000000000000000000000/readers", _bob.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    private async Task<JsonNode> ReadersAsync(TestUser viewer, string messageId) =>
        (await _api.GetAsync($"/api/v1/messages/{messageId}/readers", viewer.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!;

    private async Task<long> CreateGroupAsync(string title, params TestUser[] others) =>
        (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = others.Select(o => o.Id).ToArray(), title }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();

    /// <summary>Sends and waits until stored; returns the stored message id.</summary>
    private Task<string> SendSavedAsync(ChatClient chat, string tempId, string? threadId = null, long? roomId = null) =>
        chat.SendSavedAsync(roomId ?? _roomId, tempId, $"text of {tempId}", threadId);

    private Task<ApiResponse> MarkReadResponseAsync(TestUser user, long roomId, string? messageId) =>
        _api.PostAsync("/api/v1/messages/mark-read", new { roomId, messageId }, user.AccessToken);

    private async Task<JsonNode> MarkReadAsync(TestUser user, string? messageId) =>
        (await MarkReadResponseAsync(user, _roomId, messageId)).AssertStatus(HttpStatusCode.OK).Data;

    private async Task<long> UnreadAsync(TestUser user)
    {
        var rooms = (await _api.GetAsync("/api/v1/chatrooms", user.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        return rooms.Single(r => r!["id"]!.GetValue<long>() == _roomId)!["unreadCount"]!.GetValue<long>();
    }

    private async Task<string?> PositionAsync(TestUser user)
    {
        var participants = (await _api.GetAsync($"/api/v1/chatrooms/{_roomId}/participants", user.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        return participants.Single(p => p!["userId"]!.GetValue<long>() == user.Id)!["lastReadMessageId"]?.GetValue<string>();
    }

}

[Trait("Category", "Integration")]
public sealed class ReadReceiptsOnSqlite(ClassHost host) : ReadReceiptTests(host), IClassFixture<ClassHost>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => Task.FromResult(MessageExchange.UnlimitedSending());
}

[Trait("Category", "Integration")]
public sealed class ReadReceiptsOnPostgres(ClassHost host, SharedPostgres postgres) : ReadReceiptTests(host), IClassFixture<ClassHost>, IClassFixture<SharedPostgres>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => MessageExchange.PostgresSettingsAsync(postgres);
}
