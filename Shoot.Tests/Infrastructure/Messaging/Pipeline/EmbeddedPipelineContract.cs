using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The pipeline contract on the embedded messages.db, both ways (through the outbox, or straight to the SQLite store):
/// raw records go where the outbox worker reads them, dead letters are read from <c>outbox_dead</c>.
/// </summary>
public abstract class EmbeddedPipelineContract : PersistencePipelineContract
{
    /// <summary><c>Shoot:Outbox:StoreDirectly</c>: the way this class's host hands messages over.</summary>
    protected abstract bool StoreDirectly { get; }

    internal override Task<PipelineTestHost> StartHostAsync(RecordingObserver? observer = null, Action<IServiceCollection>? configure = null) =>
        PipelineTestHost.StartAsync(DataDirectory, new Dictionary<string, string?>
        {
            ["Shoot:Outbox:RetryCount"] = "2",
            ["Shoot:Outbox:RetryBackoff"] = "00:00:00.050",
            ["Shoot:Outbox:BatchSize"] = "50",
            ["Shoot:Outbox:StoreDirectly"] = StoreDirectly ? "true" : "false",
        }, observer, configure);

    [Fact]
    public async Task The_setting_chooses_the_way()
    {
        await using var host = await StartHostAsync();

        Assert.IsType(StoreDirectly ? typeof(DirectToStorePipeline) : typeof(OutboxPersistencePipeline), host.Pipeline);
        Assert.Equal(StoreDirectly, host.Pipeline.StoresOnHandOver);
    }

    internal override async Task InjectRawAsync(PipelineTestHost host, long roomId, string payload)
    {
        await using var connection = await host.Messages.Sqlite.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO outbox (message_id, room_id, payload, enqueued_at) VALUES ('unknown', @roomId, @payload, 0)", new { roomId, payload });
    }

    internal override async Task<IReadOnlyList<(string Payload, string Reason)>> DeadLettersAsync(PipelineTestHost host, int expected)
    {
        await using var connection = await host.Messages.Sqlite.OpenAsync();
        return (await connection.QueryAsync<(string, string)>("SELECT payload, reason FROM outbox_dead ORDER BY position")).AsList();
    }

    protected async Task<long> OutboxCountAsync()
    {
        await using var connection = await new SqliteDatabase(Path.Combine(DataDirectory, MessagesDatabase.FileName)).OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox");
    }
}
