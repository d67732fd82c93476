using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using Shoot.Api.OpenApi;
using Shoot.Infrastructure.Web;

namespace Shoot.Api;

/// <summary>What operators get besides the API: structured logs, Prometheus metrics, the OpenAPI document and its page.</summary>
public static partial class Operations
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
        TokenRedactingLoggerProvider.Install(builder.Services);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            // One meter, "Shoot": the general instruments (ShootMetrics) and the pipeline's (PipelineMetrics) share it.
            .AddMeter(Shoot.Infrastructure.Observability.ShootMetrics.MeterName)
            .AddPrometheusExporter());
        builder.Services.AddShootOpenApi();
        return builder;
    }

    public static WebApplication MapShootOperations(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Shoot API")).AllowAnonymous();
        app.Lifetime.ApplicationStarted.Register(() => LogWhereToLook(app));
        return app;
    }

    /// <summary>One line a person starting the server can act on: where the page, the API reference and the jobs are.</summary>
    private static void LogWhereToLook(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? DefaultUrl;
        // A wildcard listen address is not one a browser can open.
        var browsable = address.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal)
            .TrimEnd('/');
        Started(app.Logger, browsable + "/", browsable + "/docs", browsable + "/hangfire");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Shoot is running: page {PageUrl}, API reference {DocsUrl}, scheduled jobs {HangfireUrl}")]
    private static partial void Started(ILogger logger, string pageUrl, string docsUrl, string hangfireUrl);
}
