using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Health;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.RateLimiting;
using Shoot.Infrastructure.Redis;
using Shoot.Infrastructure.Security;
using Shoot.Infrastructure.Scheduling;
using Shoot.Infrastructure.Stomp.Server;
using Shoot.Infrastructure.Stomp.SockJs;
using Shoot.Infrastructure.UrlPreviews;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure;

public static class InfrastructureRegistration
{
    /// <summary>Options, the adapter of every port (chosen by which connection strings are set), auth and health.</summary>
    public static IServiceCollection AddShootInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ShootOptions>().BindConfiguration(ShootOptions.Section).ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ReadCountWindow > TimeSpan.Zero && o.ReadCountWindow <= TimeSpan.FromMinutes(1),
                "Shoot:Limits:ReadCountWindow must be positive and at most a minute.")
            .ValidateOnStart();
        services.AddOptions<ConnectionStringsOptions>().BindConfiguration(ConnectionStringsOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics().AddSingleton<Observability.ShootMetrics>();

        // Adapters are chosen here, at registration, from the same section the options bind to; so the connection
        // strings are validated here too, before anything could try to use a bad one.
        var connections = ConnectionStringsOptions.From(configuration);
        var verdict = new ConnectionStringsValidator().Validate(null, connections);
        if (verdict.Failed)
            throw new OptionsValidationException(ConnectionStringsOptions.Section, typeof(ConnectionStringsOptions), verdict.Failures);
        // Before anything opens the data directory's files: refuse to share it without a shared bus.
        var shoot = configuration.GetSection(ShootOptions.Section).Get<ShootOptions>() ?? new ShootOptions();
        var dataDirectoryLock = DataDirectoryLock.Acquire(shoot.ResolveDataDirectory(), connections);
        // Registered through a factory so the container owns (and disposes) it.
        services.AddHostedService(_ => dataDirectoryLock);
        services.AddHostedService<LocalMessagesWarning>();
        services.AddMessageEncryption();
        services.AddRelationalDatabase(connections);
        services.AddMessageStore(connections);
        services.AddBus(connections);
        services.AddPersistencePipeline(connections);
        services.AddRedisOrInProcess(connections);
        services.AddCache(connections);
        services.AddUrlPreviews();
        services.AddScheduling(connections);
        services.AddShootAuthentication();
        services.AddStomp(configuration);
        services.AddSockJs();
        services.AddSingleton<IStompAuthenticator, JwtStompAuthenticator>();
        HostRefusalMiddleware.Register(services);
        services.AddSingleton<ConnectionAdmission>();
        services.AddSingleton<IStompHandshakeGate>(sp => sp.GetRequiredService<ConnectionAdmission>());
        services.AddShootHealthChecks(connections);
        services.AddHostedService<AdapterReport>();

        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // 2 KB blocks for Kestrel's connections (idle connections hold less); after Kestrel's own registration, so it wins.
        SmallBlockMemoryPoolFactory.Register(services);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
            // "Server: Kestrel" tells an attacker which exploits to try and a client nothing.
            kestrel.AddServerHeader = false;
        });
        // Behind a trusted proxy a session's client address comes from X-Forwarded-For, which the forwarded-headers
        // middleware reads: so every handshake takes ASP.NET Core's path there, not the direct one.
        services.AddOptions<StompOptions>().PostConfigure<IOptions<ShootOptions>>((stomp, shoot) =>
            stomp.DirectWebSocket &= !shoot.Value.TrustForwardedHeaders);
        services.AddOptions<ForwardedHeadersOptions>().Configure(forwarded =>
        {
            // Used only when Shoot:TrustForwardedHeaders is set: then the proxy may be anywhere on the operator's network.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
        });
        return services;
    }

    /// <summary>
    /// No endpoint matched: 404. Routing's own rejection endpoints (405 wrong method, 415 wrong content type) are plain
    /// <see cref="Endpoint"/>s without metadata, so the fallback auth policy would turn them into 401 for anonymous callers;
    /// they run here, before auth, and the status-code envelope describes them.
    /// </summary>
    private static Task AnswerUnroutableRequests(HttpContext context, RequestDelegate next) => context.GetEndpoint() switch
    {
        null => EnvelopeWriter.WriteStatusAsync(context, (int)HttpStatusCode.NotFound),
        RouteEndpoint => next(context),
        { RequestDelegate: { } rejection } => rejection(context),
        _ => next(context),
    };

    /// <summary>
    /// The middleware every request goes through, in order: client address, error envelope, routing, a 404 envelope for
    /// paths no endpoint matches and routing's 405/415 (before auth, so they are the same for everyone), auth rate limit, authentication.
    /// </summary>
    /// <summary>
    /// The first middleware of every request, the web client's static files included: the client address (behind a
    /// trusted proxy) and the security headers. Program.cs puts the static files between this and
    /// <see cref="UseShootInfrastructure"/>, so the page gets the same headers (CSP, no framing) as the API.
    /// </summary>
    public static WebApplication UseShootEdge(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            HostRefusalMiddleware.MarkPassed(context);
            return next(context);
        });
        // Without a trusted proxy in front, X-Forwarded-For is whatever the client wrote: ignore it entirely.
        if (app.Services.GetRequiredService<IOptions<ShootOptions>>().Value.TrustForwardedHeaders)
            app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        return app;
    }

    public static WebApplication UseShootInfrastructure(this WebApplication app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseStatusCodePages(context => EnvelopeWriter.WriteStatusAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
        app.UseRouting();
        app.Use(AnswerUnroutableRequests);
        app.UseMiddleware<AuthRateLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// STOMP over WebSocket at <c>/ws/chat</c>, and over SockJS under the same base URL. The handshake is anonymous at the HTTP level: the STOMP server itself
    /// authenticates (CONNECT's Authorization header, or the handshake's <c>?token=</c>) and answers ERROR frames.
    /// </summary>
    public static WebApplication MapShootStomp(this WebApplication app)
    {
        app.MapStomp("/ws/chat").AllowAnonymous();
        app.MapSockJs("/ws/chat").AllowAnonymous();
        return app;
    }
}
