using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using Xunit.Abstractions;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Issue 10, on two instances sharing Redis, PostgreSQL and the mock Kafka cluster: a Kafka outage never stalls a
/// sender, never refuses a well-behaved client and never loses a broadcast message; a Redis outage refuses sends fast
/// with UNAVAILABLE and seqs continue after it without a repeat. DeliveryTimeout is 3 s here, so "three times the
/// delivery timeout" is a 9 s outage. This class owns its Kafka cluster and its Redis server: it takes both down.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PipelineOutageTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka, ITestOutputHelper output)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(9);
    private readonly List<ShootAppFactory> _instances = [];
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        var (first, second) = await MessageExchange.StartScaledOutPairAsync(redis, postgres, kafka, settings =>
        {
            // The contract's send limits (20/s, 600/min), not the exchange suite's unlimited ones: refusals are the point.
            settings.Remove("Shoot:Limits:MessagesPerSecond");
            settings.Remove("Shoot:Limits:MessagesPerMinute");
            settings["Shoot:Kafka:DeliveryTimeout"] = "00:00:03";
            settings["Shoot:Pipeline:SpillAfter"] = "00:00:01";
            settings["Shoot:Pipeline:ForwardRetryInterval"] = "00:00:00.250";
            // What the hand-off and the workers did is in the test log when a run fails.
            settings["Logging:LogLevel:Shoot.Infrastructure.Messaging.Pipeline"] = "Information";
            _settings = settings;
        });
        _instances.AddRange([first, second]);
    }

    public async Task DisposeAsync()
    {
        kafka.AllBrokersUp();
        foreach (var instance in _instances)
            await instance.DisposeAsync();
    }

    [Fact]
    public async Task Brokers_down_for_three_delivery_timeouts_while_four_users_send_stall_no_session_and_lose_nothing()
    {
        var (users, roomId) = await GroupAsync(4);
        var clients = new List<ChatClient>();
        for (var i = 0; i < users.Count; i++)
            clients.Add(await ConnectAsync(_instances[i % 2], users[i], roomId));
        try
        {
            var outage = await SendThroughOutageAsync(clients, roomId, perSecond: 2, before: TimeSpan.FromSeconds(3), after: TimeSpan.FromSeconds(3),
                duringOutage: async () =>
                {
                    // Mid-outage, a typing frame from a user on one instance reaches a member on the other.
                    await Task.Delay(Outage / 2);
                    var sent = Stopwatch.StartNew();
                    await clients[0].SendAsync("/app/typing", JsonSerializer.Serialize(new { roomId, isTyping = true }));
                    await clients[3].WaitForAsync($"/topic/typing/{roomId}", 1, t => t["userId"]!.GetValue<long>() == users[0].Id);
                    output.WriteLine($"typing relayed mid-outage in {sent.ElapsedMilliseconds} ms");
                });
            Assert.True(outage.TypingArrivedBeforeBrokersUp, "The typing frame was not relayed while the brokers were down.");
            await AssertEverySendSavedOnceAsync(clients, users, roomId, outage.Sent);
            // Live fan-out went on during the outage: what was sent then reached the members on both instances.
            foreach (var client in clients)
                Assert.True(outage.ReceivedDuringOutage[client] >= outage.SentDuringOutage / 2,
                    $"Only {outage.ReceivedDuringOutage[client]} of {outage.SentDuringOutage} messages sent during the outage were delivered during it.");
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_instance_stopped_mid_outage_and_restarted_on_its_data_directory_loses_and_doubles_nothing()
    {
        var (users, roomId) = await GroupAsync(2);
        var alice = await ConnectAsync(_instances[0], users[0], roomId);
        ChatClient? bob = await ConnectAsync(_instances[1], users[1], roomId);
        try
        {
            kafka.AllBrokersDown();
            for (var i = 0; i < 20; i++)
            {
                await alice.SendChatAsync(roomId, $"a-{i}", $"alice {i}");
                await bob.SendChatAsync(roomId, $"b-{i}", $"bob {i}");
                await Task.Delay(100);
            }
            await bob.WaitForAsync($"/topic/message/status/{roomId}", 20, s => s["tempId"]!.GetValue<string>().StartsWith("b-", StringComparison.Ordinal));
            // Readiness says the spill holds messages, and keeps the instance in rotation (200, Degraded).
            var kafkaCheck = await KafkaReadinessAsync(_instances[0], c => c["status"]!.GetValue<string>() == "Degraded"
                && System.Text.RegularExpressions.Regex.Match(c["details"]!.GetValue<string>(), @"(\d+) message\(s\) spilled") is { Success: true } m
                && long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
            output.WriteLine($"readiness mid-outage: {kafkaCheck}");
            // Bob's instance stops while the brokers are down: its messages are in flight or spilled, none in Kafka.
            await bob.DisposeAsync();
            bob = null;
            await _instances[1].DisposeAsync();
            _instances[1] = new ShootAppFactory(_settings, kestrel: true);
            kafka.AllBrokersUp();
            _ = _instances[1].ServerAddress;

            var history = await MessageExchange.ReadWholeHistoryAsync(_instances[1].CreateShootClient(), roomId, users[1].AccessToken);
            for (var patience = Stopwatch.StartNew(); history.Count < 40 && patience.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(250))
                history = await MessageExchange.ReadWholeHistoryAsync(_instances[1].CreateShootClient(), roomId, users[1].AccessToken);
            Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), history.Select(m => m["seq"]!.GetValue<long>()));
            Assert.Equal(40, history.Select(m => m["tempId"]!.GetValue<string>()).Distinct().Count());
            Assert.Empty(alice.Errors);
        }
        finally
        {
            await alice.DisposeAsync();
            if (bob is not null)
                await bob.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_user_sending_15_a_second_through_a_10_second_outage_is_never_refused()
    {
        var (users, roomId) = await GroupAsync(2);
        var sender = await ConnectAsync(_instances[0], users[0], roomId);
        var reader = await ConnectAsync(_instances[1], users[1], roomId);
        try
        {
            var outage = await SendThroughOutageAsync([sender], roomId, perSecond: 15, before: TimeSpan.FromSeconds(2), after: TimeSpan.FromSeconds(2),
                outage: TimeSpan.FromSeconds(10));
            Assert.Empty(sender.Errors);
            await AssertEverySendSavedOnceAsync([sender], [users[0]], roomId, outage.Sent);
            await reader.WaitForAsync($"/topic/messages/{roomId}", outage.Sent);
        }
        finally
        {
            await sender.DisposeAsync();
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task Redis_killed_and_restarted_empty_mid_stream_refuses_sends_unavailable_then_seqs_continue_without_a_repeat()
    {
        var (users, roomId) = await GroupAsync(2);
        var alice = await ConnectAsync(_instances[0], users[0], roomId);
        try
        {
            for (var i = 0; i < 10; i++)
                await alice.SendChatAsync(roomId, $"before-{i}", $"before {i}");
            await alice.WaitForAsync($"/topic/message/status/{roomId}", 10, s => s["status"]!.GetValue<string>() == "SAVED");

            await redis.KillAsync();
            var refusedIn = new List<long>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                await alice.SendChatAsync(roomId, $"down-{i}", $"down {i}");
                var refusal = (await alice.WaitForAsync("/user/queue/errors", 1, e => e["tempId"]?.GetValue<string>() == $"down-{i}"))[0];
                refusedIn.Add(clock.ElapsedMilliseconds);
                Assert.Equal("UNAVAILABLE", refusal["code"]!.GetValue<string>());
            }
            output.WriteLine($"refusals while Redis was down took {string.Join(", ", refusedIn)} ms");
            await redis.StartAgainAsync();

            // The refused sends are retried with their tempIds until the instance is reconnected, then more follow.
            for (var i = 0; i < 5; i++)
                await SendUntilAcceptedAsync(alice, roomId, $"down-{i}", $"down {i}");
            for (var i = 0; i < 5; i++)
                await SendUntilAcceptedAsync(alice, roomId, $"after-{i}", $"after {i}");
            await alice.WaitForAsync($"/topic/message/status/{roomId}", 20, s => s["status"]!.GetValue<string>() == "SAVED");

            var history = await MessageExchange.ReadWholeHistoryAsync(_instances[0].CreateShootClient(), roomId, users[0].AccessToken);
            var seqs = history.Select(m => m["seq"]!.GetValue<long>()).ToList();
            Assert.Equal(20, seqs.Count);
            Assert.Equal(seqs.Distinct().Order(), seqs);
            Assert.Equal(20, history.Select(m => m["tempId"]!.GetValue<string>()).Distinct().Count());
            Assert.True(seqs.Skip(10).All(s => s > 10), $"A seq was handed out again after the restart: {string.Join(", ", seqs)}");
        }
        finally
        {
            await alice.DisposeAsync();
        }
    }

    private sealed record OutageRun(int Sent, int SentDuringOutage, bool TypingArrivedBeforeBrokersUp, Dictionary<ChatClient, int> ReceivedDuringOutage);

    /// <summary>Waits until every send made during the outage is SAVED (clients[0] hears the whole room's statuses); returns how long that took.</summary>
    private static async Task<TimeSpan> DrainTimeAsync(ChatClient observer, long roomId, IReadOnlyCollection<string> sentDuringOutage)
    {
        var since = Stopwatch.StartNew();
        var pending = sentDuringOutage.ToHashSet();
        while (since.Elapsed < TimeSpan.FromSeconds(120))
        {
            pending.ExceptWith(observer.Received($"/topic/message/status/{roomId}")
                .Where(s => s["status"]!.GetValue<string>() == "SAVED").Select(s => s["tempId"]!.GetValue<string>()));
            if (pending.Count == 0)
                return since.Elapsed;
            await Task.Delay(10);
        }
        var seen = observer.Received($"/topic/message/status/{roomId}").Where(s => pending.Contains(s["tempId"]!.GetValue<string>()))
            .Select(s => $"{s["tempId"]}:{s["status"]}");
        throw new Xunit.Sdk.XunitException($"{pending.Count} messages sent during the outage were not SAVED after it (connection closed: {observer.Closed}); "
            + $"pending {string.Join(", ", pending.Order())}; their statuses: {string.Join(", ", seen)}; errors: {string.Join(", ", observer.Errors.Select(e => e.ToJsonString()))}");
    }

    /// <summary>
    /// Each client sends <paramref name="perSecond"/> messages a second, paced, for before + outage + after; the brokers
    /// go down after <paramref name="before"/>. Returns how many were sent, and what each client received during the outage.
    /// </summary>
    private async Task<OutageRun> SendThroughOutageAsync(IReadOnlyList<ChatClient> clients, long roomId, int perSecond, TimeSpan before, TimeSpan after,
        TimeSpan? outage = null, Func<Task>? duringOutage = null)
    {
        var length = outage ?? Outage;
        var total = (int)((before + length + after).TotalSeconds * perSecond);
        var sentDuringOutage = new System.Collections.Concurrent.ConcurrentBag<string>();
        var brokersDown = false;
        var senders = clients.Select((client, c) => Task.Run(async () =>
        {
            // Never faster than perSecond, even after this loop was held up (a loaded machine): catching up with a burst
            // would be the client exceeding the limit, not the server bunching its frames.
            var interval = TimeSpan.FromSeconds(1.0 / perSecond);
            for (var i = 0; i < total; i++)
            {
                var pace = Stopwatch.StartNew();
                await client.SendChatAsync(roomId, $"c{c}-{i}", $"client {c} message {i}");
                if (Volatile.Read(ref brokersDown))
                    sentDuringOutage.Add($"c{c}-{i}");
                if (interval - pace.Elapsed is { Ticks: > 0 } rest)
                    await Task.Delay(rest);
            }
        })).ToList();

        await Task.Delay(before);
        var receivedAtDown = clients.ToDictionary(c => c, c => c.Received($"/topic/messages/{roomId}").Count);
        kafka.AllBrokersDown();
        Volatile.Write(ref brokersDown, true);
        var during = duringOutage is null ? Task.CompletedTask : Task.Run(duringOutage);
        await Task.Delay(length);
        var typingArrived = during.IsCompletedSuccessfully;
        var receivedDuringOutage = clients.ToDictionary(c => c, c => c.Received($"/topic/messages/{roomId}").Count - receivedAtDown[c]);
        Volatile.Write(ref brokersDown, false);
        var sentDuring = sentDuringOutage.ToList();
        kafka.AllBrokersUp();
        var drain = await DrainTimeAsync(clients[0], roomId, sentDuring);
        await during;
        await Task.WhenAll(senders);
        output.WriteLine($"{clients.Count * total} sent, {sentDuring.Count} during the {length.TotalSeconds:F0} s outage, all of those SAVED {drain.TotalMilliseconds:F0} ms after the brokers came back");
        return new OutageRun(clients.Count * total, sentDuring.Count, typingArrived, receivedDuringOutage);
    }

    /// <summary>Every send reached SAVED exactly once and nothing FAILED or was refused; each sender's statuses came in order; the history is whole.</summary>
    private async Task AssertEverySendSavedOnceAsync(IReadOnlyList<ChatClient> clients, IReadOnlyList<TestUser> users, long roomId, int total)
    {
        var statuses = $"/topic/message/status/{roomId}";
        await clients[0].WaitForAsync(statuses, total, s => s["status"]!.GetValue<string>() is "SAVED" or "FAILED");
        var seen = clients[0].Received(statuses);
        Assert.DoesNotContain(seen, s => s["status"]!.GetValue<string>() == "FAILED");
        foreach (var send in seen.GroupBy(s => s["tempId"]!.GetValue<string>()))
        {
            var order = send.Select(s => s["status"]!.GetValue<string>()).ToList();
            Assert.Equal(1, order.Count(s => s == "SAVED"));
            Assert.Equal(order.Distinct(), order);
            Assert.Equal(order.OrderBy(Rank), order);
        }
        Assert.Equal(total, seen.Where(s => s["status"]!.GetValue<string>() == "SAVED").Select(s => s["tempId"]!.GetValue<string>()).Distinct().Count());
        foreach (var client in clients)
            Assert.Empty(client.Errors);

        var history = await MessageExchange.ReadWholeHistoryAsync(_instances[1].CreateShootClient(), roomId, users[0].AccessToken);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), history.Select(m => m["seq"]!.GetValue<long>()));
    }

    private static int Rank(string status) => Array.IndexOf(["SENDING", "SENT_TO_KAFKA", "PROCESSING", "SAVED"], status);

    private static async Task SendUntilAcceptedAsync(ChatClient client, long roomId, string tempId, string text)
    {
        for (var patience = Stopwatch.StartNew(); patience.Elapsed < TimeSpan.FromSeconds(60);)
        {
            var refusalsBefore = client.Errors.Count(e => e["tempId"]?.GetValue<string>() == tempId);
            await client.SendChatAsync(roomId, tempId, text);
            while (true)
            {
                if (client.Received($"/topic/message/status/{roomId}").Any(s => s["tempId"]!.GetValue<string>() == tempId && s["status"]!.GetValue<string>() != "FAILED"))
                    return;
                var refusals = client.Errors.Where(e => e["tempId"]?.GetValue<string>() == tempId).ToList();
                if (refusals.Count > refusalsBefore)
                {
                    Assert.Equal("UNAVAILABLE", refusals[^1]["code"]!.GetValue<string>());
                    break;
                }
                await Task.Delay(20);
            }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"{tempId} was never accepted after Redis came back.");
    }

    /// <summary>Polls /health/ready until its kafka check matches; the answer must be 200 throughout (Degraded stays in rotation).</summary>
    private static async Task<JsonNode> KafkaReadinessAsync(ShootAppFactory instance, Func<JsonNode, bool> matches)
    {
        var api = instance.CreateShootClient();
        JsonNode check = null!;
        for (var patience = Stopwatch.StartNew(); patience.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(250))
        {
            check = (await api.GetAsync("/health/ready")).AssertStatus(HttpStatusCode.OK).Data["checks"]!["kafka"]!;
            if (matches(check))
                return check;
        }
        throw new Xunit.Sdk.XunitException($"Readiness never showed the spill: last kafka check {check}");
    }

    private async Task<(List<TestUser> Users, long RoomId)> GroupAsync(int members)
    {
        var api = _instances[0].CreateShootClient();
        var users = new List<TestUser>();
        for (var i = 0; i < members; i++)
            users.Add(await api.CreateUserAsync("po"));
        var roomId = (await api.PostAsync("/api/v1/chatrooms",
                new { type = "GROUP", participantIds = users.Skip(1).Select(u => u.Id).ToArray(), title = "Outage" }, users[0].AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        return (users, roomId);
    }

    private static async Task<ChatClient> ConnectAsync(ShootAppFactory instance, TestUser user, long roomId)
    {
        var client = await ChatClient.ConnectAsync(instance.StompUri, user.AccessToken);
        await client.SubscribeAsync($"/topic/messages/{roomId}");
        await client.SubscribeAsync($"/topic/message/status/{roomId}");
        await client.SubscribeAsync($"/topic/typing/{roomId}");
        return client;
    }
}
