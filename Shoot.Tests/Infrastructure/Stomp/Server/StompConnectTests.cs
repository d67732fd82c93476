using System.Net.WebSockets;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

[Trait("Category", "Integration")]
public class StompConnectTests
{
    [Fact]
    public async Task Connected_carries_version_heart_beat_server_session_and_user_name()
    {
        await using var host = await StompTestHost.StartAsync();
        var (client, connected) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("42"));
        await using var _ = client;
        Assert.Equal("1.2", connected["version"]);
        Assert.Equal("10000,10000", connected["heart-beat"]);
        Assert.Equal("Shoot/1.0", connected["server"]);
        Assert.False(string.IsNullOrEmpty(connected["session"]));
        Assert.Equal("42", connected["user-name"]);
        Assert.Equal("v12.stomp", client.Socket.SubProtocol);
    }

    [Theory]
    [InlineData(new[] { "v10.stomp", "v11.stomp" }, "v11.stomp")]
    [InlineData(new[] { "v10.stomp" }, "v10.stomp")]
    [InlineData(new[] { "v11.stomp", "v12.stomp" }, "v12.stomp")]
    public async Task Negotiates_the_newest_shared_subprotocol(string[] offered, string chosen)
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri, offered);
        Assert.Equal(chosen, client.Socket.SubProtocol);
    }

    [Fact]
    public async Task Stomp_command_and_handshake_query_token_work_too()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(new Uri(host.Uri + "?token=" + host.Jwt.Issue("7")));
        await client.SendAsync("STOMP\naccept-version:1.1,1.2\nhost:x\n\n\0", WebSocketMessageType.Binary);
        var connected = await client.ExpectAsync(StompCommand.Connected);
        Assert.Equal("7", connected["user-name"]);
        Assert.Equal("1.2", connected["version"]);
    }

    [Fact]
    public async Task Handshake_authorization_header_is_accepted()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri, socket => socket.Options.SetRequestHeader("Authorization", "Bearer " + host.Jwt.Issue("9")));
        await client.SendAsync("CONNECT\naccept-version:1.2\n\n\0");
        Assert.Equal("9", (await client.ExpectAsync(StompCommand.Connected))["user-name"]);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => StompTestHost.StartAsync(new() { ["MaxFrameSize"] = "10" }));
        Assert.Contains("MaxFrameSize", error.Message);
    }

    [Fact]
    public async Task Missing_token_is_an_error_then_close()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        await client.SendAsync("CONNECT\naccept-version:1.2\n\n\0");
        var error = await client.ExpectErrorAndCloseAsync();
        Assert.Contains("Authentication required", error["message"]);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_refused()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        await client.SendAsync($"CONNECT\naccept-version:1.2\nAuthorization:Bearer {host.Jwt.IssueWithForeignKey("1")}\n\n\0");
        Assert.Equal("Invalid or expired token", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Already_expired_token_is_refused()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        var expired = host.Jwt.Issue("1", TimeSpan.FromMilliseconds(1));
        await Task.Delay(1100); // past exp, which JWTs count in whole seconds
        await client.SendAsync($"CONNECT\naccept-version:1.2\nAuthorization:Bearer {expired}\n\n\0");
        Assert.Equal("Invalid or expired token", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Token_expiring_during_the_session_closes_it()
    {
        await using var host = await StompTestHost.StartAsync();
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("5", TimeSpan.FromSeconds(3)));
        await using var _ = client;
        Assert.Equal("Token expired", (await client.ExpectErrorAndCloseAsync())["message"]);
        await StompTestHost.Eventually(() => host.Broker.SessionCount == 0, "session cleanup");
    }

    [Fact]
    public async Task No_shared_version_gets_error_with_supported_versions()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        await client.SendAsync($"CONNECT\naccept-version:2.0\nAuthorization:Bearer {host.Jwt.Issue("1")}\n\n\0");
        var error = await client.ExpectErrorAndCloseAsync();
        Assert.Equal("1.0,1.1,1.2", error["version"]);
    }

    [Theory]
    [InlineData("SEND\ndestination:/topic/a\n\nhi\0", "Expected CONNECT")]
    [InlineData("BOGUS\n\n\0", "Unknown command")]
    public async Task Frames_before_connect_are_protocol_errors(string frame, string message)
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        await client.SendAsync(frame);
        Assert.Equal(message, (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Socket_that_never_connects_is_closed()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["ConnectTimeoutMilliseconds"] = "300" });
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        Assert.Equal("No CONNECT frame received in time", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Silent_client_is_closed_after_missing_heart_beats()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["HeartBeatReceiveMilliseconds"] = "200" });
        var (client, connected) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("1"), heartBeat: "100,0");
        await using var _ = client;
        Assert.Equal("10000,200", connected["heart-beat"]);
        Assert.StartsWith("Heart-beat timeout", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task A_beating_client_is_not_closed_while_a_slow_handler_holds_its_read_loop()
    {
        // The handler takes 8 receive intervals; the client's beats wait unread meanwhile, and the session must stay.
        await using var host = await StompTestHost.StartAsync(new() { ["HeartBeatReceiveMilliseconds"] = "250" });
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("1"), heartBeat: "100,0");
        await using var _ = client;
        var beating = Task.Run(async () =>
        {
            for (var i = 0; i < 40 && client.Socket.State == WebSocketState.Open; i++)
            {
                await client.SendAsync("\n");
                await Task.Delay(50);
            }
        });
        await client.SendFrameAsync(StompCommand.Send, "2000", ("destination", "/app/slow"), ("receipt", "slow"));
        Assert.Equal("slow", (await client.ExpectAsync(StompCommand.Receipt))["receipt-id"]);
        await beating;
        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task Server_sends_heart_beats_and_a_beating_client_stays_connected()
    {
        // The client beats every ~60 ms against a 1 s expectation, so a busy test machine cannot make this flaky.
        await using var host = await StompTestHost.StartAsync(new() { ["HeartBeatSendMilliseconds"] = "50", ["HeartBeatReceiveMilliseconds"] = "1000" });
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("1"), heartBeat: "100,50");
        await using var _ = client;
        for (var i = 0; i < 10; i++)
        {
            await client.SendAsync("\n");
            await client.SendFrameAsync(StompCommand.Begin, ("transaction", "t"), ("receipt", "r" + i));
            await client.ExpectAsync(StompCommand.Receipt);
            await client.SendFrameAsync(StompCommand.Abort, ("transaction", "t"));
            await Task.Delay(60); // lets the server's heart-beat interval pass
        }
        // Then a quiet half second in which only the client beats: the server's beats leave as messages of their own
        // (a beat queued together with a frame leaves in one message with it, which the count cannot tell from the
        // frame; on a busy machine that happened in every turn above), and the receipt reads them.
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync("\n");
            await Task.Delay(100);
        }
        await client.SendFrameAsync(StompCommand.Begin, ("transaction", "quiet"), ("receipt", "quiet"));
        await client.ExpectAsync(StompCommand.Receipt);
        Assert.True(client.HeartBeatsReceived > 0, "the server sent no heart-beat EOL");
        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task Graceful_shutdown_closes_sessions_with_going_away()
    {
        await using var host = await StompTestHost.StartAsync();
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("1"));
        await using var _ = client;
        var stopping = host.StopAsync();
        await client.ExpectClosedAsync();
        await stopping;
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.Socket.CloseStatus);
    }
}
