using System.Net;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Pipeline;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Issue 4's main scenario: two users in a room, each on its own instance (or both on one), send from both sides at
/// once; each client must receive every message exactly once, in seq order, with every status transition, and the store
/// must hold each exactly once.
/// </summary>
public static class MessageExchange
{
    /// <summary>
    /// Send limits high enough that the scenario measures delivery, not the rate limiter; and an outbound queue deep
    /// enough for a burst of 1,000 messages with four statuses each (5,000 frames) to a test client that reads them
    /// more slowly than the server writes (the default 1,024 would rightly disconnect it as a slow consumer).
    /// </summary>
    public static Dictionary<string, string?> UnlimitedSending() => new()
    {
        ["Shoot:Limits:MessagesPerSecond"] = "1000000",
        ["Shoot:Limits:MessagesPerMinute"] = "10000000",
        ["Shoot:Limits:RoomMessagesPerSecond"] = "1000000",
        ["Shoot:Stomp:MaxOutboundQueue"] = "20000",
    };

    /// <summary>One instance on a fresh PostgreSQL database (messages embedded), with <see cref="UnlimitedSending"/>.</summary>
    public static async Task<Dictionary<string, string?>> PostgresSettingsAsync(IPostgresDatabases postgres)
    {
        var settings = UnlimitedSending();
        foreach (var (key, value) in ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync()))
            settings[key] = value;
        return settings;
    }

    /// <summary>
    /// Settings for instances sharing real servers: a fresh PostgreSQL database, Redis, a fresh topic on the Kafka
    /// mock cluster, and one data directory (instances on one host share messages.db).
    /// </summary>
    public static async Task<Dictionary<string, string?>> ScaledOutSettingsAsync(
        RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    {
        var settings = await PostgresSettingsAsync(postgres);
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        var topic = "chat-" + Guid.NewGuid().ToString("N")[..8];
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        foreach (var (key, value) in KafkaPersistencePipelineTests.KafkaSettings(kafka, topic))
            settings[key] = value;
        settings["Shoot:DataDirectory"] = Directory.CreateTempSubdirectory("shoot-shared-").FullName;
        return settings;
    }

    /// <summary>
    /// Two instances on <see cref="ScaledOutSettingsAsync"/>, Redis emptied first: each test has a fresh PostgreSQL
    /// database, so room ids start at 1 again, and the room keys of an earlier test in Redis must not carry over.
    /// </summary>
    public static async Task<(ShootAppFactory First, ShootAppFactory Second)> StartScaledOutPairAsync(
        RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka, Action<Dictionary<string, string?>>? configure = null)
    {
        await using (var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
            await connection.GetServers()[0].FlushAllDatabasesAsync();
        var settings = await ScaledOutSettingsAsync(redis, postgres, kafka);
        configure?.Invoke(settings);
        var pair = (new ShootAppFactory(settings, kestrel: true), new ShootAppFactory(settings, kestrel: true));
        _ = pair.Item1.ServerAddress;
        _ = pair.Item2.ServerAddress;
        return pair;
    }

    public static async Task RunAsync(ShootAppFactory first, ShootAppFactory second, int perSide)
    {
        var api = first.CreateShootClient();
        var alice = await api.CreateUserAsync("ex");
        var bob = await api.CreateUserAsync("ex");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();

        await using var a = await ChatClient.ConnectAsync(first.StompUri, alice.AccessToken);
        await using var b = await ChatClient.ConnectAsync(second.StompUri, bob.AccessToken);
        var messages = $"/topic/messages/{roomId}";
        var statuses = $"/topic/message/status/{roomId}";
        foreach (var client in new[] { a, b })
        {
            await client.SubscribeAsync(messages);
            await client.SubscribeAsync(statuses);
        }

        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < perSide; i++) await a.SendChatAsync(roomId, $"a-{i}", $"from alice {i}"); }),
            Task.Run(async () => { for (var i = 0; i < perSide; i++) await b.SendChatAsync(roomId, $"b-{i}", $"from bob {i}"); }));

        var total = 2 * perSide;
        foreach (var client in new[] { a, b })
        {
            var received = await client.WaitForAsync(messages, total);
            Assert.Equal(total, received.Count);
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), received.Select(m => m["seq"]!.GetValue<long>()));
            Assert.Equal(total, received.Select(m => m["id"]!.GetValue<string>()).Distinct().Count());
            // Each side's own messages keep the order they were sent in.
            Assert.Equal(Enumerable.Range(0, perSide).Select(i => $"a-{i}"), received.Select(TempId).Where(t => t.StartsWith('a')));
            Assert.Equal(Enumerable.Range(0, perSide).Select(i => $"b-{i}"), received.Select(TempId).Where(t => t.StartsWith('b')));

            var updates = await client.WaitForAsync(statuses, 4 * total);
            foreach (var send in updates.GroupBy(TempId))
                Assert.Equal(["SENDING", "SENT_TO_KAFKA", "PROCESSING", "SAVED"], send.Select(s => s["status"]!.GetValue<string>()));
            Assert.Equal(total, updates.Select(TempId).Distinct().Count());
            Assert.Empty(client.Errors);
        }

        var stored = await ReadWholeHistoryAsync(second.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), stored.Select(m => m["seq"]!.GetValue<long>()));
        Assert.Equal(total, stored.Select(m => m["id"]!.GetValue<string>()).Distinct().Count());
    }

    /// <summary>Every stored message of a room, oldest first, through the afterSeq cursor.</summary>
    public static async Task<List<JsonNode>> ReadWholeHistoryAsync(ShootClient api, long roomId, string token)
    {
        var all = new List<JsonNode>();
        string? cursor = "0";
        while (cursor is not null)
        {
            var page = (await api.GetAsync($"/api/v1/messages/{roomId}?afterSeq={cursor}&limit=100", token)).AssertStatus(HttpStatusCode.OK);
            all.AddRange(page.Data["items"]!.AsArray().Select(m => m!));
            cursor = page.Data["nextCursor"]?.GetValue<string>();
        }
        return all;
    }

    private static string TempId(JsonNode node) => node["tempId"]!.GetValue<string>();
}
