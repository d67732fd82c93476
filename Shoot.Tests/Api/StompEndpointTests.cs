using System.Text.Json.Nodes;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Tests.Infrastructure.Stomp.Server;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

/// <summary>The STOMP server inside the real host: /ws/chat with the same JWT validation as REST.</summary>
[Trait("Category", "Integration")]
public sealed class StompEndpointTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_login_token_connects_and_the_session_is_the_tokens_user()
    {
        var user = await _factory.CreateShootClient().CreateUserAsync("ws");
        var (client, connected) = await StompTestClient.ConnectAsync(_factory.StompUri, user.AccessToken);
        await using var _ = client;
        Assert.Equal(user.Id.ToString(), connected["user-name"]);
        Assert.Equal("1.2", connected["version"]);
    }

    [Fact]
    public async Task The_handshake_token_works_when_connect_has_none()
    {
        var user = await _factory.CreateShootClient().CreateUserAsync("wq");
        var uri = new Uri(_factory.StompUri + "?token=" + Uri.EscapeDataString(user.AccessToken));
        await using var client = await StompTestClient.OpenAsync(uri);
        await client.SendAsync("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0");
        var connected = await client.ExpectAsync(StompCommand.Connected);
        Assert.Equal(user.Id.ToString(), connected["user-name"]);
    }

    [Fact]
    public async Task Hostile_tokens_get_an_error_frame_and_a_closed_connection()
    {
        var user = await _factory.CreateShootClient().CreateUserAsync("wx");
        var forge = new TokenForge(_factory);
        foreach (var token in new[] { forge.Expired(user.Id), TokenForge.Unsigned(user.Id), forge.SignedWithOtherKey(user.Id), "garbage" })
        {
            await using var client = await StompTestClient.OpenAsync(_factory.StompUri);
            await client.SendAsync($"CONNECT\naccept-version:1.2\nhost:localhost\nAuthorization:Bearer {token}\n\n\0");
            var error = await client.ExpectErrorAndCloseAsync();
            Assert.False(string.IsNullOrEmpty(error["message"]));
        }
    }

    [Fact]
    public async Task A_destination_no_feature_allows_is_refused_on_the_error_queue_and_the_connection_stays()
    {
        var user = await _factory.CreateShootClient().CreateUserAsync("wr");
        var (client, _) = await StompTestClient.ConnectAsync(_factory.StompUri, user.AccessToken);
        await using var __ = client;
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "errors"), ("destination", "/user/queue/errors"));
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "x"), ("destination", "/topic/nowhere"));
        var refusal = await client.ExpectAsync(StompCommand.Message);
        var body = JsonNode.Parse(refusal.Body.Span)!;
        Assert.Equal("/topic/nowhere", body["destination"]!.GetValue<string>());
        await client.SendFrameAsync(StompCommand.Disconnect, ("receipt", "bye"));
        Assert.Equal("bye", (await client.ExpectAsync(StompCommand.Receipt))["receipt-id"]);
    }
}
