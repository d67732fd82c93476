using System.Net;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Forwarding (docs/api.md §5): Bob's message in the room of Alice and Bob goes to rooms Alice shares with Carol. Run on
/// SQLite and on PostgreSQL; messages go through the real send (STOMP broadcast, pipeline, SAVED).
/// </summary>
public abstract class ForwardMessageTests(ClassHost host) : IAsyncLifetime
{
    private ShootAppFactory _factory = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _carol = null!, _dave = null!;
    private long _source, _first, _second, _carolAndDave;
    private string _original = null!;

    protected abstract Task<Dictionary<string, string?>> SettingsAsync();

    public async Task InitializeAsync()
    {
        _factory = await host.StartAsync(async () => await SettingsAsync(), kestrel: true);
        _api = _factory.CreateShootClient();
        (_alice, _bob, _carol, _dave) = (await _api.CreateUserAsync("fwa"), await _api.CreateUserAsync("fwb"),
            await _api.CreateUserAsync("fwc"), await _api.CreateUserAsync("fwd"));
        _source = await RoomAsync(_alice, "Source", _bob);
        _first = await RoomAsync(_alice, "First", _carol);
        _second = await RoomAsync(_alice, "Second", _carol);
        _carolAndDave = await RoomAsync(_carol, "Elsewhere", _dave);
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/message/status/{_source}");
        _original = await bob.SendSavedAsync(_source, "orig", "the original");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_forward_with_a_comment_sends_the_comment_then_the_original_to_each_room()
    {
        await using var carol = await ChatClient.ConnectAsync(_factory.StompUri, _carol.AccessToken);
        await carol.SubscribeAsync($"/topic/messages/{_first}");

        var items = (await _api.PostAsync("/api/v1/messages/forward",
                new { messageId = _original, targetRoomIds = new[] { _first, _second }, additionalContent = "look at this" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray().Select(m => m!).ToList();

        Assert.Equal([_first, _first, _second, _second], items.Select(m => m["roomId"]!.GetValue<long>()));
        Assert.Equal(["look at this", "the original", "look at this", "the original"], items.Select(Text));
        Assert.All(items, m => Assert.Equal(_alice.Id, m["senderId"]!.GetValue<long>()));
        Assert.All(items.Where((_, i) => i % 2 == 0), m => Assert.Null(m["forwardedFrom"]));
        Assert.All(items.Where((_, i) => i % 2 == 1), m =>
        {
            Assert.Equal(_original, m["forwardedFrom"]!["messageId"]!.GetValue<string>());
            Assert.Equal(_source, m["forwardedFrom"]!["roomId"]!.GetValue<long>());
            Assert.Equal(_bob.Id, m["forwardedFrom"]!["senderId"]!.GetValue<long>());
        });
        Assert.Equal([1L, 2L], items.Take(2).Select(m => m["seq"]!.GetValue<long>()));

        // Carol gets both in the first room, in seq order, and the history keeps the forward once stored.
        var live = await carol.WaitForAsync($"/topic/messages/{_first}", 2);
        Assert.Equal(items.Take(2).Select(m => m["id"]!.GetValue<string>()), live.Select(m => m["id"]!.GetValue<string>()));
        var forwarded = items[1]["id"]!.GetValue<string>();
        await Eventually.HoldsAsync(async () => (await _api.GetAsync($"/api/v1/messages/{forwarded}", _carol.AccessToken)).Status == HttpStatusCode.OK);
        var stored = (await _api.GetAsync($"/api/v1/messages/{forwarded}", _carol.AccessToken)).Data;
        Assert.Equal(_original, stored["forwardedFrom"]!["messageId"]!.GetValue<string>());
        Assert.Equal("the original", Text(stored));
    }

    [Fact]
    public async Task Without_a_comment_each_room_gets_only_the_forwarded_message()
    {
        var items = (await _api.PostAsync("/api/v1/messages/forward", new { messageId = _original, targetRoomIds = new[] { _second } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();

        var only = Assert.Single(items)!;
        Assert.Equal(_second, only["roomId"]!.GetValue<long>());
        Assert.Equal(_original, only["forwardedFrom"]!["messageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_room_the_caller_is_not_in_fails_the_whole_forward_before_anything_is_sent()
    {
        (await _api.PostAsync("/api/v1/messages/forward", new { messageId = _original, targetRoomIds = new[] { _first, _carolAndDave } }, _alice.AccessToken))
            .AssertError(HttpStatusCode.NotFound, "NOT_FOUND");

        // Nothing was accepted in the first room: the next message there takes seq 1.
        var next = (await _api.PostAsync("/api/v1/messages/forward", new { messageId = _original, targetRoomIds = new[] { _first } }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data["items"]![0]!;
        Assert.Equal(1, next["seq"]!.GetValue<long>());
    }

    [Fact]
    public async Task Only_a_participant_of_the_source_may_forward_and_never_a_deleted_message()
    {
        // Carol is in the target rooms but not in the source: the message is not found for her, as if it did not exist.
        (await _api.PostAsync("/api/v1/messages/forward", new { messageId = _original, targetRoomIds = new[] { _first } }, _carol.AccessToken))
            .AssertError(HttpStatusCode.NotFound, "NOT_FOUND");

        (await _api.DeleteAsync($"/api/v1/messages/{_original}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await _api.PostAsync("/api/v1/messages/forward", new { messageId = _original, targetRoomIds = new[] { _first } }, _alice.AccessToken))
            .AssertError(HttpStatusCode.Conflict, "CONFLICT");
    }

    [Theory]
    [InlineData("""{"targetRoomIds":[1]}""", "messageId")]
    [InlineData("""{"messageId":"nope","targetRoomIds":[1]}""", "messageId")]
    [InlineData("""{"messageId":"6b071ea5efdcf4691a7309a0","targetRoomIds":[]}""", "targetRoomIds")]
    [InlineData("""{"messageId":"6b071ea5efdcf4691a7309a0"}""", "targetRoomIds")]
    [InlineData("""{"messageId":"6b071ea5efdcf4691a7309a0","targetRoomIds":[1,1]}""", "targetRoomIds")]
    [InlineData("""{"messageId":"6b071ea5efdcf4691a7309a0","targetRoomIds":[0]}""", "targetRoomIds")]
    [InlineData("""{"messageId":"6b071ea5efdcf4691a7309a0","targetRoomIds":[1,2,3,4,5,6,7,8,9,10,11]}""", "targetRoomIds")]
    public async Task Bad_input_is_refused_field_by_field(string json, string field)
    {
        var response = await _api.SendAsync(HttpMethod.Post, "/api/v1/messages/forward", JsonNode.Parse(json), _alice.AccessToken);

        response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(response.Body["errors"]![field]);
    }

    [Fact]
    public async Task A_comment_longer_than_a_message_is_refused()
    {
        var response = await _api.PostAsync("/api/v1/messages/forward",
            new { messageId = _original, targetRoomIds = new[] { _first }, additionalContent = new string('x', 4001) }, _alice.AccessToken);

        response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(response.Body["errors"]!["additionalContent"]);
    }

    private static string Text(JsonNode message) => message["content"]!["text"]!.GetValue<string>();

    private async Task<long> RoomAsync(TestUser owner, string title, TestUser other) =>
        (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title, participantIds = new[] { other.Id } }, owner.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();

}

[Trait("Category", "Integration")]
public sealed class ForwardMessageOnSqlite(ClassHost host) : ForwardMessageTests(host), IClassFixture<ClassHost>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => Task.FromResult(MessageExchange.UnlimitedSending());
}

[Trait("Category", "Integration")]
public sealed class ForwardMessageOnPostgres(ClassHost host, SharedPostgres postgres) : ForwardMessageTests(host), IClassFixture<ClassHost>, IClassFixture<SharedPostgres>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => MessageExchange.PostgresSettingsAsync(postgres);
}
