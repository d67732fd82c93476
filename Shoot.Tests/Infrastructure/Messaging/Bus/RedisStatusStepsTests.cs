using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Fixtures;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// The Redis sequencer's status steps in one call (a pipeline group's PROCESSING or SAVED): each step moves its send
/// forward or is dropped as on its own, and the bus gets exactly the moved ones' events, in the order given.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class RedisStatusStepsTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-steps-").FullName;
    private ConnectionMultiplexer _connection = null!;
    private RedisMessageSequencer _sequencer = null!;

    public async Task InitializeAsync()
    {
        var database = new MessagesDatabase(new SqliteDatabase(Path.Combine(_directory, MessagesDatabase.FileName)));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        _sequencer = new RedisMessageSequencer(_connection, new SqliteMessageStore(database));
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Steps_of_one_call_move_their_sends_in_order_and_publish_only_what_moved()
    {
        var room = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        var (first, second) = (await AcceptAsync(room, "s1"), await AcceptAsync(room, "s2"));
        Assert.True(await _sequencer.AdvanceStatusAsync(first.Key, first.Record with { Status = "SENT_TO_KAFKA" }, Event(room, "s1 SENT_TO_KAFKA")));
        var mark = await LastBusIdAsync();

        var moved = await _sequencer.AdvanceStatusesAsync(
        [
            Step(first, "SENT_TO_KAFKA"), // the producer got there first: dropped
            Step(first, "PROCESSING"),
            Step(second, "SENT_TO_KAFKA"),
            Step(second, "PROCESSING"),
            Step(second, "PROCESSING"), // the same status twice in one call: the second is dropped
            new StatusStep(new SendKey(room, 7, null), new SendRecord("none", 0, "SAVED"), Event(room, "no tempId")),
        ]);

        Assert.Equal([false, true, true, true, false, true], moved);
        Assert.Equal(["s1 PROCESSING", "s2 SENT_TO_KAFKA", "s2 PROCESSING", "no tempId"], await BusPayloadsAfterAsync(mark));
        Assert.Equal([false], await _sequencer.AdvanceStatusesAsync([Step(first, "SENT_TO_KAFKA")]));
    }

    [Fact]
    public async Task An_accept_appends_the_message_and_then_its_SENDING_and_records_the_send_as_SENDING()
    {
        var room = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        var mark = await LastBusIdAsync();

        var send = await AcceptAsync(room, "a1");

        var entries = await _connection.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, "(" + mark, "+");
        var ours = entries.Where(e => ((string)e["d"]!).EndsWith("/" + room, StringComparison.Ordinal)).ToList();
        Assert.Equal([$"/topic/messages/{room}", $"/topic/message/status/{room}"], ours.Select(e => (string)e["d"]!));
        Assert.Equal($"{{\"tempId\":\"a1\",\"status\":\"SENDING\",\"seq\":{send.Record.Seq}}}", (string)ours[1]["p"]!);
        Assert.Equal("SENDING", send.Record.Status);
        // Recorded as SENDING: a SENDING reported again is not published twice, and a retry is answered SENDING.
        Assert.False(await _sequencer.AdvanceStatusAsync(send.Key, send.Record, Event(room, "a1 SENDING again")));
        var retry = await _sequencer.AcceptAsync(AcceptRequests.For(send.Key));
        Assert.True(retry.IsDuplicate);
        Assert.Equal((send.Record.Seq, "SENDING"), (retry.Record.Seq, retry.Record.Status));
    }

    [Fact]
    public async Task A_group_larger_than_one_call_takes_is_published_whole_and_in_order()
    {
        var room = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        var mark = await LastBusIdAsync();
        var steps = Enumerable.Range(0, 450)
            .Select(i => new StatusStep(new SendKey(room, 7, null), new SendRecord("none", i, "SAVED"), Event(room, $"step {i}")))
            .ToList();

        Assert.All(await _sequencer.AdvanceStatusesAsync(steps), Assert.True);
        Assert.Equal(steps.Select(s => s.StatusEvent.Payload), await BusPayloadsAfterAsync(mark));
    }

    private async Task<(SendKey Key, SendRecord Record)> AcceptAsync(long room, string tempId)
    {
        var key = new SendKey(room, 7, tempId);
        var outcome = await _sequencer.AcceptAsync(AcceptRequests.For(key));
        return (key, outcome.Record);
    }

    private static StatusStep Step((SendKey Key, SendRecord Record) send, string status) =>
        new(send.Key, send.Record with { Status = status }, Event(send.Key.RoomId, $"{send.Key.TempId} {status}"));

    private static BusEvent Event(long room, string payload) => new($"/topic/message/status/{room}", payload);

    private async Task<string> LastBusIdAsync()
    {
        var last = await _connection.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 ? "0-0" : last[0].Id.ToString();
    }

    /// <summary>The payloads the bus got after <paramref name="mark"/>, of the status topics only (accepts publish messages too).</summary>
    private async Task<List<string>> BusPayloadsAfterAsync(string mark)
    {
        var entries = await _connection.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, "(" + mark, "+");
        return entries
            .Where(e => ((string?)e["d"])!.StartsWith("/topic/message/status/", StringComparison.Ordinal))
            .Select(e => (string)e["p"]!)
            .ToList();
    }
}
