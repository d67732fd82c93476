using System.Text;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>Frames queued for a session inside a <see cref="DeliveryBurst"/> leave in one write when it ends.</summary>
[Trait("Category", "Integration")]
public class DeliveryBurstTests
{
    private static async Task<StompTestClient> ConnectAndSubscribeAsync(StompTestHost host, string destination)
    {
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("u"));
        await client.SendFrameAsync(StompCommand.Subscribe, ("id", "s"), ("destination", destination), ("receipt", "r"));
        await client.ExpectAsync(StompCommand.Receipt);
        // The receipt is on the wire; let the session's writer get back to waiting for frames, so the next one wakes it
        // inline (the case a burst holds; a busy writer drains on its own anyway).
        await Task.Delay(200);
        return client;
    }

    [Fact]
    public async Task Frames_queued_in_a_burst_reach_the_session_in_one_websocket_message_once_it_ends()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await ConnectAndSubscribeAsync(host, "/topic/burst");
        var before = client.MessagesReceived;

        using (DeliveryBurst.Begin())
        {
            for (var i = 0; i < 3; i++)
                Assert.Equal(1, host.Broker.Publish("/topic/burst", Encoding.UTF8.GetBytes($"m{i}")));
        }

        for (var i = 0; i < 3; i++)
        {
            var message = await client.ExpectAsync(StompCommand.Message);
            Assert.Equal($"m{i}", Encoding.UTF8.GetString(message.Body.Span));
        }
        Assert.Equal(before + 1, client.MessagesReceived);
    }

    [Fact]
    public async Task A_frame_queued_in_a_burst_is_held_until_the_burst_ends()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await ConnectAndSubscribeAsync(host, "/topic/held");
        var burst = DeliveryBurst.Begin();
        try
        {
            Assert.Equal(1, host.Broker.Publish("/topic/held", "held"u8));
            var early = client.ReceiveAsync();
            // Not a timing claim: the frame cannot leave before the burst ends, however long this waits.
            Assert.NotSame(early, await Task.WhenAny(early, Task.Delay(300)));

            burst.Dispose();

            var frame = await early;
            Assert.Equal(StompCommand.Message, frame!.Command);
            Assert.Equal("held", Encoding.UTF8.GetString(frame.Body.Span));
        }
        finally
        {
            burst.Dispose();
        }
    }

    [Fact]
    public async Task Outside_a_burst_and_after_one_ended_frames_are_not_held()
    {
        await using var host = await StompTestHost.StartAsync();
        await using var client = await ConnectAndSubscribeAsync(host, "/topic/free");
        Task publishedLater;
        using (DeliveryBurst.Begin())
        {
            // Work started inside the burst that outlives it (a fire-and-forget hand-off) queues after it ended.
            publishedLater = Task.Run(async () =>
            {
                await Task.Delay(100);
                host.Broker.Publish("/topic/free", "later"u8);
            });
        }
        await publishedLater;
        Assert.Equal("later", Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));

        host.Broker.Publish("/topic/free", "plain"u8);
        Assert.Equal("plain", Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span));
    }
}
