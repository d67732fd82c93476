using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Health;

public static class HealthRegistration
{
    private const string ReadyTag = "ready";

    /// <summary>
    /// One check per configured backend, named after it: the SQL database (<c>sqlite</c> or <c>postgres</c>), the message
    /// store (<c>messages-sqlite</c> or <c>messages-mongo</c>), <c>redis</c>, <c>kafka</c> and the Hangfire job storage
    /// (<c>hangfire-sqlite</c> or <c>hangfire-postgres</c>).
    /// </summary>
    public static IServiceCollection AddShootHealthChecks(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        var checks = services.AddHealthChecks();
        var timeout = TimeSpan.FromSeconds(5);
        void Add(string name, Func<IServiceProvider, IHealthCheck> check) =>
            checks.Add(new HealthCheckRegistration(name, check, failureStatus: null, tags: [ReadyTag], timeout: timeout));

        Add(connections.HasPostgres ? "postgres" : "sqlite", sp => new DatabaseHealthCheck(sp.GetRequiredService<ISqlDatabase>()));
        if (connections.HasMongo)
        {
            services.AddSingleton<MongoHealthCheck>();
            Add("messages-mongo", sp => sp.GetRequiredService<MongoHealthCheck>());
        }
        else
        {
            Add("messages-sqlite", sp => new DatabaseHealthCheck(sp.GetRequiredService<MessagesDatabase>().Sqlite));
        }
        if (connections.HasRedis)
            checks.AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag], timeout: timeout);
        if (connections.HasKafka)
        {
            services.AddSingleton<KafkaHealthCheck>();
            checks.AddCheck<KafkaHealthCheck>("kafka", tags: [ReadyTag], timeout: timeout);
        }
        Add(connections.HasPostgres ? "hangfire-postgres" : "hangfire-sqlite", sp => new HangfireStorageHealthCheck(sp.GetRequiredService<JobStorage>()));
        return services;
    }

    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: every configured backend answers too (503 otherwise).</summary>
    public static IEndpointRouteBuilder MapShootHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteEnvelope })
            .AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteEnvelope })
            .AllowAnonymous();
        return endpoints;
    }

    private static Task WriteEnvelope(HttpContext context, HealthReport report)
    {
        // Paths, hosts and latencies help whoever runs the server, and a stranger mapping it: only a request from this
        // machine (not through a proxy) sees them. A degraded backend says how to anyone (the Kafka spill's depth and
        // age: no address in it); an unreachable one only that it is, the rest is logged.
        var local = context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address);
        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new
            {
                status = e.Value.Status.ToString(),
                details = e.Value.Status switch
                {
                    HealthStatus.Degraded => e.Value.Description,
                    _ when !local => null,
                    HealthStatus.Healthy => e.Value.Description,
                    _ => "not reachable",
                },
            });
        // Degraded keeps the instance in rotation: it still takes and keeps sends.
        if (report.Status != HealthStatus.Unhealthy)
            return EnvelopeWriter.WriteSuccessAsync(context, StatusCodes.Status200OK, new { status = report.Status.ToString(), checks });
        // Which backend failed is useful to an operator; the exception text stays in the log.
        var failing = string.Join(", ", checks.Where(c => c.Value.status == nameof(HealthStatus.Unhealthy)).Select(c => c.Key));
        return EnvelopeWriter.WriteErrorAsync(context, ErrorCode.ServiceUnavailable, $"Not ready: {failing} not reachable.");
    }
}
