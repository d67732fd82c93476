using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>Ack modes, transactions and the limits that keep one client from holding server memory.</summary>
[Trait("Category", "Integration")]
public class StompFlowControlTests
{
    private static async Task<StompTestClient> ConnectAndSubscribe(StompTestHost host, string destination, string ack)
    {
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("u"));
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "s"), ("destination", destination), ("ack", ack), ("receipt", "r"));
        await client.ExpectAsync(StompCommand.Receipt);
        return client;
    }

    private static async Task<StompFrame> Publish(StompTestHost host, StompTestClient client, string destination, string body)
    {
        Assert.Equal(1, host.Broker.Publish(destination, Encoding.UTF8.GetBytes(body)));
        var message = await client.ExpectAsync(StompCommand.Message);
        Assert.Equal(body, Encoding.UTF8.GetString(message.Body.Span));
        return message;
    }

    private static async Task Ack(StompTestClient client, string id, string? transaction = null, StompCommand command = StompCommand.Ack)
    {
        (string, string)[] headers = transaction is null ? [("id", id), ("receipt", "a" + id)] : [("id", id), ("transaction", transaction), ("receipt", "a" + id)];
        await client.SendFrameAsync(command, headers);
        await client.ExpectAsync(StompCommand.Receipt);
    }

    [Theory]
    [InlineData("client-individual")]
    [InlineData("client")]
    public async Task Acked_messages_free_their_pending_slots(string mode)
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxPendingAcks"] = "2" });
        await using var client = await ConnectAndSubscribe(host, "/topic/acks", mode);
        for (var round = 0; round < 5; round++)
        {
            var first = await Publish(host, client, "/topic/acks", "m" + round);
            var second = await Publish(host, client, "/topic/acks", "n" + round);
            Assert.NotNull(first["ack"]);
            Assert.NotEqual(first["ack"], second["ack"]);
            if (mode == "client")
            {
                await Ack(client, second["ack"]!); // cumulative: covers the first too
            }
            else
            {
                await Ack(client, first["ack"]!);
                await Ack(client, second["ack"]!, command: StompCommand.Nack);
            }
        }
        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task Stomp_1_1_clients_ack_by_message_id_and_subscription()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxPendingAcks"] = "1" });
        await using var client = await StompTestClient.OpenAsync(host.Uri, "v11.stomp");
        await client.SendAsync($"CONNECT\naccept-version:1.0,1.1\nAuthorization:Bearer {host.Jwt.Issue("old")}\n\n\0");
        Assert.Equal("1.1", (await client.ExpectAsync(StompCommand.Connected))["version"]);
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "s"), ("destination", "/topic/old"), ("ack", "client"), ("receipt", "r"));
        await client.ExpectAsync(StompCommand.Receipt);
        for (var i = 0; i < 3; i++)
        {
            var message = await Publish(host, client, "/topic/old", "m" + i);
            await client.SendFrameAsync(StompCommand.Ack, ("message-id", message["message-id"]!), ("subscription", "s"), ("receipt", "a"));
            await client.ExpectAsync(StompCommand.Receipt);
        }
    }

    [Fact]
    public async Task Client_that_stops_acking_is_disconnected()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxPendingAcks"] = "2" });
        await using var client = await ConnectAndSubscribe(host, "/topic/acks", "client-individual");
        await Publish(host, client, "/topic/acks", "1");
        await Publish(host, client, "/topic/acks", "2");
        Assert.Equal(0, host.Broker.Publish("/topic/acks", "3"u8));
        Assert.Equal("Too many unacknowledged messages", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Acks_in_a_transaction_take_effect_at_commit_only()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxPendingAcks"] = "1" });
        await using var committing = await ConnectAndSubscribe(host, "/topic/one", "client-individual");
        var message = await Publish(host, committing, "/topic/one", "1");
        await committing.SendFrameAsync(StompCommand.Begin, ("transaction", "t"));
        await Ack(committing, message["ack"]!, "t");
        await committing.SendFrameAsync(StompCommand.Commit, ("transaction", "t"), ("receipt", "committed"));
        await committing.ExpectAsync(StompCommand.Receipt);
        await Publish(host, committing, "/topic/one", "2"); // the slot was freed by the commit

        await using var aborting = await ConnectAndSubscribe(host, "/topic/two", "client-individual");
        message = await Publish(host, aborting, "/topic/two", "1");
        await aborting.SendFrameAsync(StompCommand.Begin, ("transaction", "t"));
        await Ack(aborting, message["ack"]!, "t");
        await aborting.SendFrameAsync(StompCommand.Abort, ("transaction", "t"), ("receipt", "aborted"));
        await aborting.ExpectAsync(StompCommand.Receipt);
        Assert.Equal(0, host.Broker.Publish("/topic/two", "2"u8)); // the aborted ack freed nothing
        await aborting.ExpectErrorAndCloseAsync();
    }

    [Fact]
    public async Task Sends_in_a_transaction_are_delivered_at_commit_and_dropped_at_abort()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await ConnectAndSubscribe(host, "/topic/tx", "auto");
        await client.SendFrameAsync(StompCommand.Begin, ("transaction", "t1"));
        await client.SendFrameAsync(StompCommand.Send, "in t1", ("destination", "/topic/tx"), ("transaction", "t1"));
        await client.SendFrameAsync(StompCommand.Begin, ("transaction", "t2"));
        await client.SendFrameAsync(StompCommand.Send, "in t2", ("destination", "/topic/tx"), ("transaction", "t2"));
        await client.SendFrameAsync(StompCommand.Send, "outside", ("destination", "/topic/tx"));
        await client.SendFrameAsync(StompCommand.Abort, ("transaction", "t2"));
        await client.SendFrameAsync(StompCommand.Commit, ("transaction", "t1"));
        await client.SendFrameAsync(StompCommand.Send, "after", ("destination", "/topic/tx"));

        var bodies = new List<string>();
        for (var i = 0; i < 3; i++) bodies.Add(Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));
        Assert.Equal(["outside", "in t1", "after"], bodies);

        await client.SendFrameAsync(StompCommand.Commit, ("transaction", "t1"));
        Assert.Equal("Unknown transaction 't1'", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Transaction_limits_are_enforced()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxFramesPerTransaction"] = "2" });
        await using var client = await ConnectAndSubscribe(host, "/topic/tx", "auto");
        await client.SendFrameAsync(StompCommand.Begin, ("transaction", "t"));
        for (var i = 0; i < 3; i++) await client.SendFrameAsync(StompCommand.Send, "x", ("destination", "/topic/tx"), ("transaction", "t"));
        Assert.Equal("Transaction holds too many frames", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task Subscription_limit_refuses_without_disconnecting()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxSubscriptionsPerConnection"] = "2" });
        await using var client = await ConnectAndSubscribe(host, "/user/queue/errors", "auto");
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "a"), ("destination", "/topic/a"));
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "b"), ("destination", "/topic/b"), ("receipt", "b"));
        Assert.Contains("TOO_MANY_SUBSCRIPTIONS", Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));
        await client.ExpectAsync(StompCommand.Receipt);
        Assert.Equal(1, host.Broker.Publish("/topic/a", "still here"u8));
        Assert.Equal("a", (await client.ExpectAsync(StompCommand.Message))["subscription"]);
    }

    [Fact]
    public async Task Slow_consumer_is_disconnected_instead_of_buffered()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxOutboundQueue"] = "8" });
        await using var slow = await ConnectAndSubscribe(host, "/topic/flood", "auto");
        // The client reads nothing from here on. Once the socket buffers fill, the bounded queue overflows.
        var body = new byte[32 * 1024];
        var published = 0;
        while (host.Broker.Publish("/topic/flood", body, "application/octet-stream") == 1)
        {
            Assert.True(++published < 1_000_000, "the slow consumer was never disconnected");
        }
        await StompTestHost.Eventually(() => host.Broker.SessionCount == 0, "slow consumer removal");
        Assert.Empty(host.Broker.SubscribersOf("/topic/flood"));
        await slow.ExpectClosedAsync();
    }
}
