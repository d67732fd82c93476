using System.Net;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Stomp.SockJs;

/// <summary>
/// The clients the web uses — npm's sockjs-client with @stomp/stompjs, run by Node.js (js/test/sockjs-chat.cjs) —
/// chat through the real host over each SockJS transport: connect with a token in CONNECT, subscribe, send, receive,
/// every status up to SAVED, and a bad token refused with an ERROR frame and a closed session.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SockJsNodeClientTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [InlineData("websocket")]
    [InlineData("xhr-streaming")]
    [InlineData("xhr-polling")]
    [InlineData("eventsource")]
    public async Task Two_users_chat_over_the_transport_and_a_bad_token_is_refused(string transport)
    {
        var api = _factory.CreateShootClient();
        var alice = await api.CreateUserAsync("sa");
        var bob = await api.CreateUserAsync("sb");
        var room = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created);
        var roomId = room.Data["id"]!.GetValue<long>().ToString();
        var baseUrl = _factory.ServerAddress.ToString().TrimEnd('/');

        var result = await NodeScript.RunAsync("sockjs-chat.cjs", TimeSpan.FromSeconds(90), baseUrl, transport, alice.AccessToken, bob.AccessToken, roomId);

        Assert.Equal(transport, result["aliceTransport"]!.GetValue<string>());
        Assert.Equal(transport, result["bobTransport"]!.GetValue<string>());
        var message = Assert.Single(result["bobMessages"]!.AsArray())!;
        // The text crossed JSON quoting both ways intact: %, quotes, U+2028, an emoji, a backslash.
        Assert.Equal(result["sentText"]!.GetValue<string>(), message["content"]!["text"]!.GetValue<string>());
        Assert.Equal(alice.Id, message["senderId"]!.GetValue<long>());
        Assert.Equal(["SENDING", "SENT_TO_KAFKA", "PROCESSING", "SAVED"], result["aliceStatuses"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Empty(result["errors"]!.AsArray());

        var refused = result["badToken"]!;
        Assert.False(refused["connected"]!.GetValue<bool>());
        Assert.True(refused["closed"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(refused["error"]?.GetValue<string>()), "the bad token must get an ERROR frame with a message");

        var history = (await api.GetAsync($"/api/v1/messages/{roomId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(message["id"]!.GetValue<string>(), history.Data["items"]![0]!["id"]!.GetValue<string>());
    }
}
