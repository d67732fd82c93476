using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Infrastructure.Configuration;

/// <summary>Logs at start which adapter serves each port, so an operator sees at a glance what an instance is talking to.</summary>
public sealed partial class AdapterReport(IOptions<ConnectionStringsOptions> connections, ISqlDatabase database, SigningKeyProvider signingKey,
    ILogger<AdapterReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var c = connections.Value;
        LogPort(logger, "users, friends, rooms, schedules", database.Description);
        LogPort(logger, "messages", c.HasMongo ? "MongoDB" : "SQLite (local file under Shoot:DataDirectory)");
        LogPort(logger, "fan-out bus", c.HasRedis ? "Redis Streams" : "in-process");
        LogPort(logger, "persistence pipeline", c.HasKafka ? "Kafka topic chat-messages" : "outbox table in messages.db under Shoot:DataDirectory");
        LogPort(logger, "locks, rate limits, presence, caches", c.HasRedis ? "Redis" : "in-process");
        LogPort(logger, "scheduled jobs", c.HasPostgres ? "Hangfire on PostgreSQL (schema hangfire)" : "Hangfire on hangfire.db under Shoot:DataDirectory");
        // Resolving the key here creates it at start (embedded mode), so an unwritable data directory fails now, not at the first login.
        LogSigningKey(logger, signingKey.Source);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {Port}: {Adapter}")]
    private static partial void LogPort(ILogger logger, string port, string adapter);

    [LoggerMessage(Level = LogLevel.Information, Message = "JWT signing key: {Source}")]
    private static partial void LogSigningKey(ILogger logger, string source);
}
