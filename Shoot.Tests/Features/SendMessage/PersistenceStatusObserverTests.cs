using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Observability;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Bus;
using StackExchange.Redis;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// A group's statuses reach the room in order: per send SENT_TO_KAFKA, PROCESSING, SAVED, and sends in seq order.
/// Real Redis, the real sequencer, bus and observer (the order any batching of these reports must keep).
/// </summary>
[Trait("Category", "Integration")]
[Collection(RedisCollection.Name)]
public sealed class PersistenceStatusObserverTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const long Sender = 42;
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-statuses-").FullName;
    private ConnectionMultiplexer _connection = null!;
    private ServiceProvider _services = null!;
    private RedisMessageSequencer _sequencer = null!;
    private PersistenceStatusObserver _observer = null!;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var messages = new MessagesDatabase(new SqliteDatabase(Path.Combine(_directory, MessagesDatabase.FileName)));
        await messages.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        var shoot = new SqliteDatabase(Path.Combine(_directory, "shoot.db"));
        await new DatabaseMigrator(shoot, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        _services = new ServiceCollection().AddMetrics().AddSingleton<ShootMetrics>().BuildServiceProvider();
        _sequencer = new RedisMessageSequencer(_connection, new SqliteMessageStore(messages));
        var statuses = new SendStatusReporter(_sequencer, new RedisEventBus(_connection), TimeProvider.System, _services.GetRequiredService<ShootMetrics>());
        _observer = new PersistenceStatusObserver(statuses, shoot, MessageTextCodec.Off);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _connection.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_groups_statuses_reach_the_room_in_order_per_send_and_in_seq_order()
    {
        var room = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        var group = await AcceptAsync(room, 60, "obs");
        var start = (await _connection.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, "-", "+", count: 1, messageOrder: Order.Descending)).Single().Id;

        await _observer.OnProcessingAsync(group, CancellationToken.None);
        await _observer.OnSavedAsync(group, CancellationToken.None);

        var heard = (await _connection.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, start, "+"))
            .Where(e => e.Id != start && (string?)e["d"] == MessageTopics.Status(room))
            .Select(e => JsonDocument.Parse((string)e["p"]!).RootElement)
            .Select(p => (TempId: p.GetProperty("tempId").GetString()!, Status: p.GetProperty("status").GetString()!, Seq: p.GetProperty("seq").GetInt64()))
            .ToList();
        Assert.Equal(group.Count * 3, heard.Count);
        foreach (var message in group)
            Assert.Equal(["SENT_TO_KAFKA", "PROCESSING", "SAVED"], heard.Where(h => h.TempId == message.TempId).Select(h => h.Status));
        // Sends in seq order within each status, and every PROCESSING before any SAVED (the group is saved after it is processed).
        Assert.All(new[] { "SENT_TO_KAFKA", "PROCESSING", "SAVED" }, status =>
            Assert.Equal(group.Select(m => m.Seq), heard.Where(h => h.Status == status).Select(h => h.Seq)));
        Assert.True(heard.FindLastIndex(h => h.Status == "PROCESSING") < heard.FindIndex(h => h.Status == "SAVED"));
    }

    /// <summary>Accepts <paramref name="count"/> sends in the room (tempIds prefix-0, prefix-1, …): what the pipeline then gets.</summary>
    private async Task<List<StoredMessage>> AcceptAsync(long room, int count, string prefix)
    {
        var sends = new List<StoredMessage>();
        for (var i = 0; i < count; i++)
        {
            var now = DateTimeOffset.UtcNow;
            var id = MessageId.New(now);
            var tempId = $"{prefix}-{i}";
            var accepted = await _sequencer.AcceptAsync(AcceptRequests.For(new SendKey(room, Sender, tempId), id));
            sends.Add(new StoredMessage
            {
                Id = id, RoomId = room, Seq = accepted.Record.Seq, SenderId = Sender, TempId = tempId, Text = $"m{i}", CreatedAt = now, UpdatedAt = now,
            });
        }
        return sends;
    }
}
