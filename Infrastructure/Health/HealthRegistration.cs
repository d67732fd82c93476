using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Health;

public static class HealthRegistration
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddShootHealthChecks(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        var checks = services.AddHealthChecks();
        var timeout = TimeSpan.FromSeconds(5);
        checks.AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: timeout);
        if (connections.HasRedis)
            checks.AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag], timeout: timeout);
        if (connections.HasKafka)
        {
            services.AddSingleton<KafkaHealthCheck>();
            checks.AddCheck<KafkaHealthCheck>("kafka", tags: [ReadyTag], timeout: timeout);
        }
        if (connections.HasMongo)
        {
            services.AddSingleton<MongoHealthCheck>();
            checks.AddCheck<MongoHealthCheck>("mongo", tags: [ReadyTag], timeout: timeout);
        }
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
        // A degraded backend says how (the Kafka spill's depth); an unreachable one only that it is, the rest is logged.
        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new { status = e.Value.Status.ToString(), description = e.Value.Status == HealthStatus.Unhealthy ? "not reachable" : e.Value.Description });
        // Degraded keeps the instance in rotation: it still takes and keeps sends.
        if (report.Status != HealthStatus.Unhealthy)
            return EnvelopeWriter.WriteSuccessAsync(context, StatusCodes.Status200OK, new { status = report.Status.ToString(), checks });
        // Which backend failed is useful to an operator; the exception text stays in the log.
        var failing = string.Join(", ", checks.Where(c => c.Value.status == nameof(HealthStatus.Unhealthy)).Select(c => c.Key));
        return EnvelopeWriter.WriteErrorAsync(context, ErrorCode.ServiceUnavailable, $"Not ready: {failing} not reachable.");
    }
}
