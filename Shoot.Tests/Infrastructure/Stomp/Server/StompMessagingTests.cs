using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

[Trait("Category", "Integration")]
public class StompMessagingTests
{
    private static async Task<StompTestClient> Connect(StompTestHost host, string userId) =>
        (await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue(userId))).Client;

    private static async Task Subscribe(StompTestClient client, string id, string destination, string ack = "auto")
    {
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", id), ("destination", destination), ("ack", ack), ("receipt", "sub-" + id));
        Assert.Equal("sub-" + id, (await client.ExpectAsync(StompCommand.Receipt))["receipt-id"]);
    }

    [Fact]
    public async Task Send_reaches_every_subscriber_with_the_message_headers()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var alice = await Connect(host, "alice");
        await using var bob = await Connect(host, "bob");
        await Subscribe(alice, "a1", "/topic/room/1");
        await Subscribe(bob, "b7", "/topic/room/1");

        await alice.SendFrameAsync(StompCommand.Send, "hello\0world", ("destination", "/topic/room/1"), ("content-type", "text/plain"), ("x-custom", "c:1"), ("receipt", "s1"));

        foreach (var (client, subscription) in new[] { (alice, "a1"), (bob, "b7") })
        {
            var message = await client.ExpectAsync(StompCommand.Message);
            Assert.Equal("/topic/room/1", message["destination"]);
            Assert.Equal(subscription, message["subscription"]);
            Assert.Equal("text/plain", message["content-type"]);
            Assert.Equal("c:1", message["x-custom"]);
            Assert.False(string.IsNullOrEmpty(message["message-id"]));
            Assert.Null(message["ack"]);
            Assert.Equal("hello\0world", Encoding.UTF8.GetString(message.Body.Span));
        }
        // The sender's own copy was queued while the SEND was handled, so it precedes the RECEIPT.
        Assert.Equal("s1", (await alice.ExpectAsync(StompCommand.Receipt))["receipt-id"]);
    }

    [Fact]
    public async Task Several_frames_in_one_websocket_message_and_one_frame_across_several()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        var frames = Encoding.UTF8.GetBytes(
            $"CONNECT\naccept-version:1.2\nAuthorization:Bearer {host.Jwt.Issue("u")}\n\n\0\n" +
            "SUBSCRIBE\nid:0\ndestination:/topic/x\n\n\0" +
            "SEND\ndestination:/topic/x\ncontent-length:3\n\nabc\0" +
            "SEND\r\ndestination:/topic/x\r\n\r\ndef\0\r\n\n" +
            "DISCONNECT\nreceipt:bye\n\n\0");
        var cut = frames.Length - 40; // the cut falls inside the second SEND
        await client.SendAsync([], WebSocketMessageType.Text); // empty messages carry nothing and break nothing
        await client.SendAsync(frames[..cut], WebSocketMessageType.Binary);
        await client.SendAsync([], WebSocketMessageType.Binary);
        for (var i = cut; i < frames.Length; i += 7) await client.SendAsync(frames[i..Math.Min(i + 7, frames.Length)]);

        await client.ExpectAsync(StompCommand.Connected);
        Assert.Equal("abc", Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));
        Assert.Equal("def", Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));
        Assert.Equal("bye", (await client.ExpectAsync(StompCommand.Receipt))["receipt-id"]);
        await client.ExpectClosedAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task Binary_bodies_go_out_as_binary_messages()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await Subscribe(client, "0", "/topic/bin");
        Assert.Equal(WebSocketMessageType.Text, client.LastMessageType);
        host.Broker.Publish("/topic/bin", new byte[] { 0xFF, 0, 0xFE }, "application/octet-stream");
        Assert.Equal(new byte[] { 0xFF, 0, 0xFE }, (await client.ExpectAsync(StompCommand.Message)).Body.ToArray());
        Assert.Equal(WebSocketMessageType.Binary, client.LastMessageType);
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_is_observable()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u1");
        await Subscribe(client, "0", "/topic/a");
        await Subscribe(client, "1", "/topic/b");
        Assert.Single(host.Broker.SubscribersOf("/topic/a"));
        await client.SendFrameAsync(StompCommand.Unsubscribe, ("id", "0"), ("receipt", "u"));
        await client.ExpectAsync(StompCommand.Receipt);
        Assert.Empty(host.Broker.SubscribersOf("/topic/a"));
        Assert.Contains("unsubscribed u1 /topic/a", host.Events.Log);

        Assert.Equal(0, host.Broker.Publish("/topic/a", "lost"u8));
        Assert.Equal(1, host.Broker.Publish("/topic/b", "kept"u8));
        Assert.Equal("/topic/b", (await client.ExpectAsync(StompCommand.Message))["destination"]);

        await client.SendFrameAsync(StompCommand.Disconnect, ("receipt", "bye"));
        await client.ExpectAsync(StompCommand.Receipt);
        await StompTestHost.Eventually(() => host.Events.Log.Contains("disconnected u1"), "disconnect event");
        Assert.Contains("unsubscribed u1 /topic/b", host.Events.Log);
        Assert.Empty(host.Broker.SubscribersOf("/topic/b"));
    }

    [Fact]
    public async Task Subscribe_hook_replays_before_held_live_messages_and_before_the_receipt()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "r"), ("destination", "/topic/replay"), ("x-resume-after-seq", "0"), ("receipt", "done"));
        // History first, then only the live messages the replay did not cover: no gap, no duplicate.
        foreach (var expected in new[] { "history 1", "history 2", "live 3" })
        {
            var message = await client.ExpectAsync(StompCommand.Message);
            Assert.Equal(expected, Encoding.UTF8.GetString(message.Body.Span));
            Assert.Equal("r", message["subscription"]);
        }
        await client.ExpectAsync(StompCommand.Receipt);
    }

    [Fact]
    public async Task User_destinations_reach_every_session_of_that_user_only()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var phone = await Connect(host, "ann");
        await using var laptop = await Connect(host, "ann");
        await using var other = await Connect(host, "ben");
        foreach (var client in new[] { phone, laptop, other }) await Subscribe(client, "q", "/user/queue/notes");

        Assert.Equal(2, host.Broker.SendToUser("ann", "/queue/notes", "for ann"u8));
        Assert.Equal(1, host.Broker.SendToUser("ben", "/user/queue/notes", "for ben"u8));
        foreach (var client in new[] { phone, laptop })
        {
            var message = await client.ExpectAsync(StompCommand.Message);
            Assert.Equal("/user/queue/notes", message["destination"]);
            Assert.Equal("for ann", Encoding.UTF8.GetString(message.Body.Span));
        }
        Assert.Equal("for ben", Encoding.UTF8.GetString((await other.ExpectAsync(StompCommand.Message)).Body.Span));
    }

    [Fact]
    public async Task Refusals_arrive_on_the_error_queue_and_keep_the_connection()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await Subscribe(client, "errors", "/user/queue/errors");
        await Subscribe(client, "ok", "/topic/ok");

        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "f"), ("destination", "/topic/forbidden/9"), ("x-temp-id", "t-1"), ("receipt", "r1"));
        AssertRefusal(await client.ExpectAsync(StompCommand.Message), "FORBIDDEN", "/topic/forbidden/9", "t-1");
        await client.ExpectAsync(StompCommand.Receipt);

        await client.SendFrameAsync(StompCommand.Send, "{}", ("destination", "/app/nowhere"));
        AssertRefusal(await client.ExpectAsync(StompCommand.Message), "UNKNOWN_DESTINATION", "/app/nowhere", null);
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "n"), ("destination", "/queue/unknown"));
        AssertRefusal(await client.ExpectAsync(StompCommand.Message), "UNKNOWN_DESTINATION", "/queue/unknown", null);

        // Still connected, and the other subscription still works.
        await client.SendFrameAsync(StompCommand.Send, "fine", ("destination", "/topic/ok"));
        Assert.Equal("ok", (await client.ExpectAsync(StompCommand.Message))["subscription"]);
        Assert.Empty(host.Broker.SubscribersOf("/topic/forbidden/9"));
    }

    [Fact]
    public async Task A_failing_send_handler_is_refused_as_internal_error_and_the_connection_survives()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await Subscribe(client, "errors", "/user/queue/errors");
        await client.SendFrameAsync(StompCommand.Send, "{}", ("destination", "/app/boom"), ("receipt", "boom"));
        AssertRefusal(await client.ExpectAsync(StompCommand.Message), "INTERNAL_ERROR", "/app/boom", null);
        await client.ExpectAsync(StompCommand.Receipt);
        Assert.Contains(host.ServerErrors, e => e.Contains("feature bug"));
        await Subscribe(client, "after", "/topic/after");
    }

    [Fact]
    public async Task Plain_http_requests_are_refused()
    {
        await using var host = await StompTestHost.StartAsync();
        using var http = new HttpClient();
        var response = await http.GetAsync(host.Uri.ToString().Replace("ws://", "http://"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static void AssertRefusal(StompFrame message, string code, string destination, string? tempId)
    {
        Assert.Equal("/user/queue/errors", message["destination"]);
        Assert.Equal("errors", message["subscription"]);
        using var json = JsonDocument.Parse(message.Body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("message").GetString()));
        Assert.Equal(destination, json.RootElement.GetProperty("destination").GetString());
        Assert.Equal(tempId, json.RootElement.GetProperty("tempId").GetString());
    }

    [Theory]
    [InlineData("SUBSCRIBE\ndestination:/topic/a\n\n\0", "Missing required header 'id' on SUBSCRIBE")]
    [InlineData("SEND\n\nx\0", "Missing required header 'destination' on SEND")]
    [InlineData("SUBSCRIBE\nid:1\ndestination:/topic/a\nack:sometimes\n\n\0", "ack must be auto, client or client-individual")]
    [InlineData("SEND\ndestination:/topic/\\qa\n\n\0", "Undefined escape sequence in header")]
    [InlineData("CONNECTED\n\n\0", "A client may not send CONNECTED")]
    [InlineData("CONNECT\naccept-version:1.2\n\n\0", "Already connected")]
    [InlineData("COMMIT\ntransaction:nope\n\n\0", "Unknown transaction 'nope'")]
    [InlineData("UNSUBSCRIBE\nid:1\n\nbody\0", "UNSUBSCRIBE frames must not have a body")]
    public async Task Protocol_violations_after_connect_get_error_then_close(string frame, string message)
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await client.SendAsync(frame);
        Assert.Equal(message, (await client.ExpectErrorAndCloseAsync())["message"]);
        await StompTestHost.Eventually(() => host.Broker.SessionCount == 0, "session cleanup");
    }

    [Fact]
    public async Task Error_carries_the_receipt_id_of_the_offending_frame()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await Connect(host, "u");
        await client.SendFrameAsync(StompCommand.Subscribe, ("destination", "/topic/a"), ("receipt", "77"));
        Assert.Equal("77", (await client.ExpectErrorAndCloseAsync())["receipt-id"]);
    }

    [Fact]
    public async Task Frame_over_the_size_limit_is_an_error()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxFrameSize"] = "2048" });
        await using var client = await Connect(host, "u");
        await client.SendAsync("SEND\ndestination:/topic/a\n\n" + new string('x', 5000) + "\0");
        Assert.Equal("Frame too large", (await client.ExpectErrorAndCloseAsync())["message"]);
    }
}
