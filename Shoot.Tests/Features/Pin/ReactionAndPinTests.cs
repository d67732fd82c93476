using System.Net;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Reactions and pins through the real API, on messages really sent over STOMP and waited for until SAVED. A GROUP room:
/// Alice (OWNER, the sender), Carol (ADMIN), Bob (MEMBER); Dave is in no room. Run on SQLite and on PostgreSQL (where
/// rooms and roles live); the messages are in messages.db either way.
/// </summary>
public abstract class ReactionAndPinTests(ClassHost host) : IAsyncLifetime
{
    private const string NoSuchMessage = "6b071ea5efdcf4691a7309a0";

    private ShootAppFactory _factory = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _carol = null!, _dave = null!;
    private long _roomId;
    private ChatClient _chat = null!;

    protected abstract Task<Dictionary<string, string?>> SettingsAsync();

    public async Task InitializeAsync()
    {
        _factory = await host.StartAsync(async () => await SettingsAsync(), kestrel: true);
        _api = _factory.CreateShootClient();
        _alice = await _api.CreateUserAsync("pa");
        _bob = await _api.CreateUserAsync("pb");
        _carol = await _api.CreateUserAsync("pc");
        _dave = await _api.CreateUserAsync("pd");
        _roomId = (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { _bob.Id, _carol.Id }, title = "Actions" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        (await _api.PutAsync($"/api/v1/chatrooms/{_roomId}/participants/{_carol.Id}/role", new { role = "ADMIN" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK);
        _chat = await ChatClient.ConnectAsync(_factory.StompUri, _alice.AccessToken);
        await _chat.SubscribeAsync($"/topic/message/status/{_roomId}");
    }

    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Reactions_are_held_once_per_user_by_name_or_emoji_and_shown_by_name()
    {
        var m = await SendSavedAsync("r1");

        AssertReactions(new() { ["like"] = [_bob.Id] }, await ReactAsync(_bob, m, "like"));
        AssertReactions(new() { ["like"] = [_bob.Id] }, await ReactAsync(_bob, m, "👌"));
        // ❤ without the emoji presentation selector is the same heart; names are taken in any case; skin tones are one thumb.
        await ReactAsync(_carol, m, "❤");
        await ReactAsync(_carol, m, "LIKE");
        var reacted = await ReactAsync(_alice, m, "👍🏽");
        AssertReactions(new() { ["like"] = [_bob.Id, _carol.Id], ["love"] = [_carol.Id], ["thumbsup"] = [_alice.Id] }, reacted);
        Assert.Equal(1, reacted["seq"]!.GetValue<long>());
        Assert.False(reacted["content"]!["isEdited"]!.GetValue<bool>());

        AssertReactions(new() { ["like"] = [_carol.Id], ["love"] = [_carol.Id], ["thumbsup"] = [_alice.Id] }, await UnreactAsync(_bob, m, "like"));
        AssertReactions(new() { ["like"] = [_carol.Id], ["love"] = [_carol.Id], ["thumbsup"] = [_alice.Id] }, await UnreactAsync(_bob, m, "like"));
        // The last holder gone, the reaction is not shown at all.
        AssertReactions(new() { ["like"] = [_carol.Id], ["love"] = [_carol.Id] }, await UnreactAsync(_alice, m, "👍"));
        AssertReactions(new() { ["like"] = [_carol.Id], ["love"] = [_carol.Id] },
            (await _api.GetAsync($"/api/v1/messages/{m}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data);
    }

    [Fact]
    public async Task Participants_reacting_at_once_all_end_up_in_the_list()
    {
        var m = await SendSavedAsync("r2");

        await Task.WhenAll(new[] { _alice, _bob, _carol }.Select(user => ReactAsync(user, m, "wow")));

        var message = (await _api.GetAsync($"/api/v1/messages/{m}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(new[] { _alice.Id, _bob.Id, _carol.Id }.Order(), message["reactions"]!["wow"]!.AsArray().Select(u => u!.GetValue<long>()).Order());
    }

    [Fact]
    public async Task Unknown_reactions_bad_ids_deleted_messages_and_outsiders_are_refused()
    {
        var m = await SendSavedAsync("r3");

        var unknown = (await _api.PostAsync("/api/v1/messages/reaction", new { messageId = m, reaction = "smile" }, _bob.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("like 👌", unknown.Body["errors"]!["reaction"]![0]!.GetValue<string>());
        Assert.NotNull((await _api.PostAsync("/api/v1/messages/reaction", new { messageId = m }, _bob.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["reaction"]);
        Assert.NotNull((await _api.PostAsync("/api/v1/messages/reaction", new { messageId = "zz", reaction = "like" }, _bob.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["messageId"]);
        Assert.NotNull((await _api.DeleteAsync($"/api/v1/messages/reaction?messageId={m}", _bob.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["reaction"]);

        // Not in the room: exactly what a message that does not exist gets.
        var outsider = (await _api.PostAsync("/api/v1/messages/reaction", new { messageId = m, reaction = "like" }, _dave.AccessToken))
            .AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        var missing = (await _api.PostAsync("/api/v1/messages/reaction", new { messageId = NoSuchMessage, reaction = "like" }, _bob.AccessToken))
            .AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(missing.Body["message"]!.GetValue<string>(), outsider.Body["message"]!.GetValue<string>());
        (await _api.DeleteAsync($"/api/v1/messages/reaction?messageId={m}&reaction=like", _dave.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");

        // A deleted message loses its reactions and takes no more, either way.
        await ReactAsync(_bob, m, "sad");
        (await _api.DeleteAsync($"/api/v1/messages/{m}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await _api.PostAsync("/api/v1/messages/reaction", new { messageId = m, reaction = "angry" }, _bob.AccessToken)).AssertError(HttpStatusCode.Conflict, "CONFLICT");
        (await _api.DeleteAsync($"/api/v1/messages/reaction?messageId={m}&reaction=sad", _bob.AccessToken)).AssertError(HttpStatusCode.Conflict, "CONFLICT");
        AssertReactions([], (await _api.GetAsync($"/api/v1/messages/{m}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data);
    }

    [Fact]
    public async Task Another_participant_receives_each_reaction_change_as_the_whole_message()
    {
        var m = await SendSavedAsync("r4");
        await using var carol = await ChatClient.ConnectAsync(_factory.StompUri, _carol.AccessToken);
        await carol.SubscribeAsync($"/topic/messages/{_roomId}");

        await ReactAsync(_bob, m, "laugh");
        await ReactAsync(_bob, m, "😂");
        await UnreactAsync(_bob, m, "laugh");

        // Two versions, not three: adding a reaction already held changes nothing and sends nothing.
        var versions = await carol.WaitForAsync($"/topic/messages/{_roomId}", 2);
        Assert.All(versions, v => Assert.Equal((m, 1L, "text of r4"), (v["id"]!.GetValue<string>(), v["seq"]!.GetValue<long>(), v["content"]!["text"]!.GetValue<string>())));
        AssertReactions(new() { ["laugh"] = [_bob.Id] }, versions[0]);
        AssertReactions([], versions[1]);
    }

    [Fact]
    public async Task Owners_and_admins_pin_members_may_not_and_everyone_sees_the_pins()
    {
        var m = await SendSavedAsync("p1");

        (await PinResponseAsync(_bob, m)).AssertError(HttpStatusCode.Forbidden, "FORBIDDEN");
        var pinned = (await PinResponseAsync(_carol, m)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.True(pinned["isPinned"]!.GetValue<bool>());
        Assert.Equal(_carol.Id, pinned["pinnedBy"]!.GetValue<long>());
        var pinnedAt = pinned["pinnedAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(pinnedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        // Pinned already: unchanged, still Carol's pin.
        var again = (await PinResponseAsync(_alice, m)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal((_carol.Id, pinnedAt), (again["pinnedBy"]!.GetValue<long>(), again["pinnedAt"]!.GetValue<DateTimeOffset>()));

        Assert.Equal([m], await PinsAsync(_bob));
        (await _api.DeleteAsync($"/api/v1/messages/pin/{m}", _bob.AccessToken)).AssertError(HttpStatusCode.Forbidden, "FORBIDDEN");
        var unpinned = (await _api.DeleteAsync($"/api/v1/messages/pin/{m}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.False(unpinned["isPinned"]!.GetValue<bool>());
        Assert.Null(unpinned["pinnedBy"]);
        Assert.Null(unpinned["pinnedAt"]);
        (await _api.DeleteAsync($"/api/v1/messages/pin/{m}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Empty(await PinsAsync(_bob));

        // An INDIVIDUAL room has no owner: either side may pin.
        var pair = (await _api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { _bob.Id } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        await _chat.SubscribeAsync($"/topic/message/status/{pair}");
        var direct = await SendSavedAsync("p1-direct", pair);
        Assert.True((await PinResponseAsync(_bob, direct)).AssertStatus(HttpStatusCode.OK).Data["isPinned"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_room_holds_three_pins_listed_latest_first_and_a_deleted_message_gives_its_place_back()
    {
        var m = new List<string>();
        for (var i = 0; i < 5; i++)
            m.Add(await SendSavedAsync($"p2-{i}"));
        foreach (var id in m.Take(3))
            (await PinResponseAsync(_alice, id)).AssertStatus(HttpStatusCode.OK);

        (await PinResponseAsync(_carol, m[3])).AssertError(HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal([m[2], m[1], m[0]], await PinsAsync(_bob));

        (await _api.DeleteAsync($"/api/v1/messages/pin/{m[1]}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await PinResponseAsync(_carol, m[3])).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([m[3], m[2], m[0]], await PinsAsync(_bob));

        // Deleting a pinned message unpins it: it leaves the list, frees its place, and cannot be pinned again.
        (await _api.DeleteAsync($"/api/v1/messages/{m[0]}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([m[3], m[2]], await PinsAsync(_bob));
        (await PinResponseAsync(_alice, m[0])).AssertError(HttpStatusCode.Conflict, "CONFLICT");
        (await PinResponseAsync(_alice, m[4])).AssertStatus(HttpStatusCode.OK);
        Assert.Equal([m[4], m[3], m[2]], await PinsAsync(_bob));

        // The list carries readCount like every other view of a message.
        (await _api.PostAsync("/api/v1/messages/mark-read", new { roomId = _roomId, messageId = m[3] }, _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        var pins = (await _api.GetAsync($"/api/v1/messages/pins/{_roomId}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal([0, 1, 1], pins.Select(p => p!["readCount"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Pins_racing_for_the_last_places_end_with_three()
    {
        var m = new List<string>();
        for (var i = 0; i < 6; i++)
            m.Add(await SendSavedAsync($"p3-{i}"));

        var answers = await Task.WhenAll(m.Select((id, i) => PinResponseAsync(i % 2 == 0 ? _alice : _carol, id)));

        Assert.Equal(3, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => a.AssertError(HttpStatusCode.Conflict, "CONFLICT"));
        Assert.Equal(answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Data["id"]!.GetValue<string>()).Order(), (await PinsAsync(_bob)).Order());
    }

    [Fact]
    public async Task Outsiders_get_not_found_on_every_pin_endpoint_as_for_nothing()
    {
        var m = await SendSavedAsync("p4");
        (await PinResponseAsync(_alice, m)).AssertStatus(HttpStatusCode.OK);

        var pin = (await PinResponseAsync(_dave, m)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal((await PinResponseAsync(_alice, NoSuchMessage)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND").Body["message"]!.GetValue<string>(),
            pin.Body["message"]!.GetValue<string>());
        (await _api.DeleteAsync($"/api/v1/messages/pin/{m}", _dave.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        var list = (await _api.GetAsync($"/api/v1/messages/pins/{_roomId}", _dave.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal((await _api.GetAsync("/api/v1/messages/pins/987654", _dave.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND").Body["message"]!.GetValue<string>(),
            list.Body["message"]!.GetValue<string>());
        Assert.NotNull((await _api.PostAsync("/api/v1/messages/pin", new { }, _alice.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["messageId"]);
        Assert.Equal([m], await PinsAsync(_alice));
    }

    [Fact]
    public async Task Another_participant_receives_pins_and_unpins_as_the_whole_message()
    {
        var m = await SendSavedAsync("p5");
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_roomId}");

        (await PinResponseAsync(_alice, m)).AssertStatus(HttpStatusCode.OK);
        (await PinResponseAsync(_carol, m)).AssertStatus(HttpStatusCode.OK);
        (await _api.DeleteAsync($"/api/v1/messages/pin/{m}", _carol.AccessToken)).AssertStatus(HttpStatusCode.OK);

        // Two versions: the repeated pin changed nothing and sent nothing.
        var versions = await bob.WaitForAsync($"/topic/messages/{_roomId}", 2);
        Assert.All(versions, v => Assert.Equal((m, 1L), (v["id"]!.GetValue<string>(), v["seq"]!.GetValue<long>())));
        Assert.Equal((true, _alice.Id), (versions[0]["isPinned"]!.GetValue<bool>(), versions[0]["pinnedBy"]!.GetValue<long>()));
        Assert.Equal((false, (JsonNode?)null), (versions[1]["isPinned"]!.GetValue<bool>(), versions[1]["pinnedBy"]));
    }

    private static void AssertReactions(Dictionary<string, long[]> expected, JsonNode message)
    {
        var actual = message["reactions"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(u => u!.GetValue<long>()).ToArray());
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, users) in expected)
            Assert.Equal(users, actual[name]);
    }

    private async Task<JsonNode> ReactAsync(TestUser user, string messageId, string reaction) =>
        (await _api.PostAsync("/api/v1/messages/reaction", new { messageId, reaction }, user.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;

    private async Task<JsonNode> UnreactAsync(TestUser user, string messageId, string reaction) =>
        (await _api.DeleteAsync($"/api/v1/messages/reaction?messageId={messageId}&reaction={Uri.EscapeDataString(reaction)}", user.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;

    private Task<ApiResponse> PinResponseAsync(TestUser user, string messageId) =>
        _api.PostAsync("/api/v1/messages/pin", new { messageId }, user.AccessToken);

    private async Task<List<string>> PinsAsync(TestUser user) =>
        (await _api.GetAsync($"/api/v1/messages/pins/{_roomId}", user.AccessToken)).AssertStatus(HttpStatusCode.OK)
            .Data["items"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();

    /// <summary>Alice sends and waits until stored; returns the stored message id.</summary>
    private Task<string> SendSavedAsync(string tempId, long? roomId = null) => _chat.SendSavedAsync(roomId ?? _roomId, tempId, $"text of {tempId}");
}

[Trait("Category", "Integration")]
public sealed class ReactionsAndPinsOnSqlite(ClassHost host) : ReactionAndPinTests(host), IClassFixture<ClassHost>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => Task.FromResult(MessageExchange.UnlimitedSending());
}

[Trait("Category", "Integration")]
public sealed class ReactionsAndPinsOnPostgres(ClassHost host, SharedPostgres postgres) : ReactionAndPinTests(host), IClassFixture<ClassHost>, IClassFixture<SharedPostgres>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => MessageExchange.PostgresSettingsAsync(postgres);
}
