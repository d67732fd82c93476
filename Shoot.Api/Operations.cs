using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using Shoot.Infrastructure.Web;

namespace Shoot.Api;

/// <summary>What operators get besides the API: structured logs, Prometheus metrics, the OpenAPI document and its page.</summary>
public static class Operations
{
    /// <summary>Where Shoot listens when nothing says otherwise (docs/api.md §10); ASPNETCORE_URLS or --urls win.</summary>
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
            // The meter named exactly "Shoot" (the pipeline's instruments) is not matched by the wildcard.
            .AddMeter(Shoot.Infrastructure.Messaging.Pipeline.PipelineMetrics.MeterName)
            .AddPrometheusExporter());
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Shoot chat API";
            document.Info.Description = "REST part of the Shoot API (docs/api.md in the repository). Every body is the envelope {success, data | errorCode, message, code, timestamp}.";
            return Task.CompletedTask;
        }));
        // The generator fills servers[] from the request's Host header, which a client chooses: a foreign Host would be
        // echoed into the document (and into the page's "try it" calls). Without servers, clients use the document's own origin.
        builder.Services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));
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
