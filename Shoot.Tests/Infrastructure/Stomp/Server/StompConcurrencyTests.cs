using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

[Trait("Category", "Integration")]
public class StompConcurrencyTests
{
    [Fact]
    public async Task Concurrent_publishers_reach_every_subscriber_completely_and_in_per_publisher_order()
    {
        const int publishers = 4, perPublisher = 2000, subscribers = 5;
        // A queue large enough that the readers below are never slow consumers, whatever the machine's load.
        await using var host = await StompTestHost.StartAsync(new() { ["MaxOutboundQueue"] = (publishers * perPublisher).ToString() });
        var clients = new List<StompTestClient>();
        for (var i = 0; i < subscribers; i++)
        {
            var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("s" + i));
            await client.SendFrameAsync(StompCommand.Subscribe, ("id", "x"), ("destination", "/topic/busy"), ("receipt", "r"));
            await client.ExpectAsync(StompCommand.Receipt);
            clients.Add(client);
        }

        var readers = clients.Select(client => Task.Run(async () =>
        {
            var last = new int[publishers];
            Array.Fill(last, -1);
            for (var received = 0; received < publishers * perPublisher; received++)
            {
                var body = Encoding.UTF8.GetString((await client.ExpectAsync(StompCommand.Message)).Body.Span).Split(':');
                var (publisher, seq) = (int.Parse(body[0]), int.Parse(body[1]));
                Assert.Equal(last[publisher] + 1, seq);
                last[publisher] = seq;
            }
        })).ToList();
        var writers = Enumerable.Range(0, publishers).Select(p => Task.Run(() =>
        {
            for (var seq = 0; seq < perPublisher; seq++)
            {
                Assert.Equal(subscribers, host.Broker.Publish("/topic/busy", Encoding.UTF8.GetBytes($"{p}:{seq}")));
            }
        }));

        await Task.WhenAll(writers.Concat(readers));
        Assert.Empty(host.ServerErrors);
        foreach (var client in clients) await client.DisposeAsync();
        await StompTestHost.Eventually(() => host.Broker.SessionCount == 0, "sessions to close");
    }

    [Fact]
    public async Task Subscribe_and_unsubscribe_churn_during_publishing_leaves_no_stale_subscriptions()
    {
        await using var host = await StompTestHost.StartAsync();
        var (client, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("churn"));
        await using var _ = client;
        using var stop = new CancellationTokenSource();
        var publishing = Task.Run(async () =>
        {
            // Paced so the single reader below keeps up: this test is about the registry, not slow consumers.
            while (!stop.IsCancellationRequested)
            {
                host.Broker.Publish("/topic/churn", "x"u8);
                await Task.Delay(1);
            }
        });
        for (var i = 0; i < 200; i++)
        {
            await client.SendFrameAsync(StompCommand.Subscribe, ("id", "c" + i), ("destination", "/topic/churn"));
            await client.SendFrameAsync(StompCommand.Unsubscribe, ("id", "c" + i), ("receipt", "u" + i));
            StompFrame? frame;
            do frame = await client.ReceiveAsync();
            while (frame is { Command: StompCommand.Message });
            Assert.Equal(StompCommand.Receipt, frame?.Command);
            Assert.Equal("u" + i, frame!["receipt-id"]);
        }
        await stop.CancelAsync();
        await publishing;
        Assert.Empty(host.Broker.SubscribersOf("/topic/churn"));
        Assert.Equal(1, host.Broker.SessionCount);
    }
}
