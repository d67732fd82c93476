using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using Shoot.Api.OpenApi;
using Shoot.Infrastructure.Web;

namespace Shoot.Api;

/// <summary>What operators get besides the API: structured logs, Prometheus metrics, the OpenAPI document and its page.</summary>
public static class Operations
{
    /// <summary>Where Shoot listens when nothing says otherwise (contract §10); ASPNETCORE_URLS or --urls win.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    public static WebApplicationBuilder AddShootOperations(this WebApplicationBuilder builder)
    {
        // Not in appsettings.json: a "Urls" key there would override ASPNETCORE_URLS.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrl);
        builder.Services.ConfigureHttpJsonOptions(o => ShootJson.Configure(o.SerializerOptions));
        builder.Logging.ClearProviders();
        // One JSON object per line: what log collectors index without parsing rules.
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter("Shoot.*")
            .AddPrometheusExporter());
        builder.Services.AddShootOpenApi();
        return builder;
    }

    public static WebApplication MapShootOperations(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Shoot API")).AllowAnonymous();
        return app;
    }
}
