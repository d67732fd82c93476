using System.Net;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Pipeline;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Issue 4's failure tests on two instances sharing Redis, PostgreSQL and the mock Kafka cluster: the broker down for
/// 10 s mid-stream, an instance stopped mid-stream, and a retried send after a dropped connection.
/// This class owns its Kafka cluster, since it takes the brokers down.
/// </summary>
public sealed class ScaledOutFailureTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>, IAsyncLifetime
{
    private ShootAppFactory _first = null!;
    private ShootAppFactory _second = null!;

    public async Task InitializeAsync()
    {
        // Each test has a fresh PostgreSQL database, so room ids start at 1 again: clear the room counters it would share in Redis.
        await using (var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
            await connection.GetServers()[0].FlushAllDatabasesAsync();
        var settings = MessageExchange.UnlimitedSending();
        foreach (var (key, value) in ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync()))
            settings[key] = value;
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        var topic = "chat-" + Guid.NewGuid().ToString("N")[..8];
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        foreach (var (key, value) in KafkaPersistencePipelineTests.KafkaSettings(kafka, topic))
            settings[key] = value;
        settings["Shoot:DataDirectory"] = Directory.CreateTempSubdirectory("shoot-shared-").FullName;
        _first = new ShootAppFactory(settings, kestrel: true);
        _second = new ShootAppFactory(settings, kestrel: true);
        _ = _first.ServerAddress;
        _ = _second.ServerAddress;
    }

    public async Task DisposeAsync()
    {
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    private async Task<(TestUser Alice, TestUser Bob, long RoomId)> RoomAsync()
    {
        var api = _first.CreateShootClient();
        var alice = await api.CreateUserAsync("fa");
        var bob = await api.CreateUserAsync("fb");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        return (alice, bob, roomId);
    }

    [Fact]
    public async Task With_the_kafka_brokers_down_for_10_seconds_no_accepted_message_is_lost_or_duplicated()
    {
        var (alice, bob, roomId) = await RoomAsync();
        await using var a = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        await using var b = await ChatClient.ConnectAsync(_second.StompUri, bob.AccessToken);
        await a.SubscribeAsync($"/topic/message/status/{roomId}");
        await b.SubscribeAsync($"/topic/messages/{roomId}");

        const int total = 150;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await a.SendChatAsync(roomId, $"k-{i}", $"message {i}");
                await Task.Delay(20);
            }
        });
        await a.WaitForAsync($"/topic/message/status/{roomId}", 30, s => s["status"]!.GetValue<string>() == "SAVED");
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerDown(id);
        await Task.Delay(TimeSpan.FromSeconds(10));
        foreach (var id in kafka.BrokerIds)
            kafka.BrokerUp(id);
        await sending;

        // Every send reached a final status; the outage delays, it does not fail, a send (delivery timeout 30 s).
        var finals = await a.WaitForAsync($"/topic/message/status/{roomId}", total, s => s["status"]!.GetValue<string>() is "SAVED" or "FAILED");
        Assert.All(finals, s => Assert.Equal("SAVED", s["status"]!.GetValue<string>()));
        Assert.Equal(total, finals.Select(s => s["tempId"]!.GetValue<string>()).Distinct().Count());

        var live = await b.WaitForAsync($"/topic/messages/{roomId}", total);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), live.Select(m => m["seq"]!.GetValue<long>()));
        var stored = await MessageExchange.ReadWholeHistoryAsync(_second.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), stored.Select(m => m["seq"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Clients_of_a_stopped_instance_resume_on_the_other_and_miss_nothing()
    {
        var (alice, bob, roomId) = await RoomAsync();
        await using var a = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        var b = await ChatClient.ConnectAsync(_second.StompUri, bob.AccessToken);
        await b.SubscribeAsync($"/topic/messages/{roomId}");

        const int total = 200;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await a.SendChatAsync(roomId, $"s-{i}", $"message {i}");
                await Task.Delay(10);
            }
        });
        await b.WaitForAsync($"/topic/messages/{roomId}", 40);
        await _second.DisposeAsync();
        var beforeStop = b.Received($"/topic/messages/{roomId}").Select(m => m["seq"]!.GetValue<long>()).ToList();
        await b.DisposeAsync();

        // Bob reconnects to the surviving instance and asks for everything after the last seq he saw.
        await using var resumed = await ChatClient.ConnectAsync(_first.StompUri, bob.AccessToken);
        await resumed.SubscribeAsync($"/topic/messages/{roomId}", ("x-resume-after-seq", beforeStop[^1].ToString()));
        await sending;
        var after = await resumed.WaitForAsync($"/topic/messages/{roomId}", total - beforeStop.Count);
        var seen = beforeStop.Concat(after.Select(m => m["seq"]!.GetValue<long>())).ToList();
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task A_retried_send_after_a_dropped_connection_creates_one_message()
    {
        var (alice, bob, roomId) = await RoomAsync();
        var first = await ChatClient.ConnectAsync(_first.StompUri, alice.AccessToken);
        await first.SubscribeAsync($"/topic/message/status/{roomId}");
        await first.SendChatAsync(roomId, "retry-me", "only once");
        await first.WaitForAsync($"/topic/message/status/{roomId}", 1);
        await first.DisposeAsync();

        // The retry reaches the other instance.
        await using var again = await ChatClient.ConnectAsync(_second.StompUri, alice.AccessToken);
        await again.SubscribeAsync($"/topic/message/status/{roomId}");
        await again.SendChatAsync(roomId, "retry-me", "only once");
        var answer = (await again.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["tempId"]!.GetValue<string>() == "retry-me"))[0];
        Assert.Equal(1, answer["seq"]!.GetValue<long>());

        await again.SendChatAsync(roomId, "next", "second message");
        await again.WaitForAsync($"/topic/message/status/{roomId}", 1, s => s["tempId"]!.GetValue<string>() == "next" && s["status"]!.GetValue<string>() == "SAVED");
        var stored = await MessageExchange.ReadWholeHistoryAsync(_first.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(["retry-me", "next"], stored.Select(m => m["tempId"]!.GetValue<string>()));
        Assert.Equal([1L, 2L], stored.Select(m => m["seq"]!.GetValue<long>()));
    }
}
