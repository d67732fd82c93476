using Confluent.Kafka;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Bson;
using MongoDB.Driver;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Persistence;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Health;

/// <summary>Readiness probes, one per configured backend: an instance that cannot reach a backend it depends on should not get traffic.</summary>
public sealed class DatabaseHealthCheck(ISqlDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>("SELECT 1");
        return HealthCheckResult.Healthy(database.Description);
    }
}

public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var latency = await redis.GetDatabase().PingAsync();
        return HealthCheckResult.Healthy($"Redis ping {latency.TotalMilliseconds:F1} ms");
    }
}

/// <summary>
/// Kafka and the spill in front of it. While the spill holds messages (or the brokers do not answer and the spill has
/// room), sends are still kept, so the instance reports Degraded, with the spill's depth, and stays in rotation; it is
/// Unhealthy only when the spill is full too, since sends are then refused.
/// </summary>
public sealed class KafkaHealthCheck(IOptions<ConnectionStringsOptions> connections, PipelineSpill spill, IOptions<HandOffOptions> handOff)
    : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = connections.Value.Kafka }).Build());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        // GetMetadata is synchronous and blocks up to its timeout; keep it off the request thread.
        Task.Run(() =>
        {
            var brokers = Brokers();
            var spilled = $"{spill.Depth} message(s) spilled, oldest {spill.OldestAge.TotalSeconds:F0} s";
            var data = new Dictionary<string, object> { ["spillDepth"] = spill.Depth, ["spillOldestAgeSeconds"] = spill.OldestAge.TotalSeconds };
            if (spill.Depth >= handOff.Value.MaxSpilled)
                return HealthCheckResult.Unhealthy($"Kafka: spill full ({spilled})", data: data);
            if (brokers == 0)
                return HealthCheckResult.Degraded($"Kafka: no broker answered; {spilled}", data: data);
            return spill.Depth > 0
                ? HealthCheckResult.Degraded($"Kafka: {brokers} broker(s); {spilled}", data: data)
                : HealthCheckResult.Healthy($"Kafka: {brokers} broker(s)", data);
        }, cancellationToken);

    private int Brokers()
    {
        try
        {
            return _admin.Value.GetMetadata(TimeSpan.FromSeconds(3)).Brokers.Count;
        }
        catch (KafkaException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
            _admin.Value.Dispose();
    }
}

public sealed class MongoHealthCheck(IOptions<ConnectionStringsOptions> connections) : IHealthCheck
{
    private readonly Lazy<IMongoClient> _client = new(() => new MongoClient(connections.Value.Mongo));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _client.Value.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        return HealthCheckResult.Healthy("MongoDB ping");
    }
}

public sealed class HangfireStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        // Hangfire's storage API is synchronous; keep the round trip off the request thread.
        Task.Run(() =>
        {
            using var connection = storage.GetConnection();
            connection.GetAllItemsFromSet("shoot:health");
            return HealthCheckResult.Healthy($"Hangfire storage {storage}");
        }, cancellationToken);
}
