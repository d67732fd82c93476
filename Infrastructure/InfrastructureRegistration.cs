using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Health;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.RateLimiting;
using Shoot.Infrastructure.Redis;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure;

public static class InfrastructureRegistration
{
    /// <summary>Options, the adapter of every port (chosen by which connection strings are set), auth and health.</summary>
    public static IServiceCollection AddShootInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ShootOptions>().BindConfiguration(ShootOptions.Section).ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConnectionStringsOptions>().BindConfiguration(ConnectionStringsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionStringsOptions>, ConnectionStringsValidator>();
        services.AddSingleton(TimeProvider.System);

        // Adapters are chosen at registration time from the same section the options bind to.
        var connections = ConnectionStringsOptions.From(configuration);
        services.AddRelationalDatabase(connections);
        services.AddRedisOrInProcess(connections);
        services.AddCache(connections);
        services.AddShootAuthentication();
        services.AddShootHealthChecks(connections);
        services.AddHostedService<AdapterReport>();

        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ShootOptions>>((forwarded, shoot) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (shoot.Value.TrustForwardedHeaders)
            {
                forwarded.KnownIPNetworks.Clear();
                forwarded.KnownProxies.Clear();
            }
        });
        return services;
    }

    /// <summary>
    /// The middleware every request goes through, in order: client address, error envelope, routing, a 404 envelope for
    /// paths no endpoint matches (before auth, so an unknown path is 404 for everyone), auth rate limit, authentication.
    /// </summary>
    public static WebApplication UseShootInfrastructure(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(context => EnvelopeWriter.WriteStatusAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
        app.UseRouting();
        app.Use((context, next) => context.GetEndpoint() is null && !context.WebSockets.IsWebSocketRequest
            ? EnvelopeWriter.WriteStatusAsync(context, (int)HttpStatusCode.NotFound)
            : next(context));
        app.UseMiddleware<AuthRateLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
