using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Shoot.Infrastructure.Stomp.Server;

public static class StompServiceCollectionExtensions
{
    /// <summary>
    /// Registers the STOMP server and broker. The host must also register an <see cref="IStompAuthenticator"/>;
    /// features add <see cref="IStompSendHandler"/>, <see cref="IStompDestinationAuthorizer"/> and listeners as singletons.
    /// </summary>
    public static IServiceCollection AddStomp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StompOptions>()
            .Bind(configuration.GetSection(StompOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<StompBroker>();
        services.TryAddSingleton<IStompBroker>(sp => sp.GetRequiredService<StompBroker>());
        services.TryAddSingleton<StompServer>();
        services.TryAddSingleton<Direct.DirectWebSocketPaths>();
        // Every endpoint Kestrel opens (from URLs or configuration) gets the direct WebSocket path in front of HTTP; it
        // serves the paths MapStomp registers and passes every other connection on untouched. (Kestrel keeps only the
        // last ConfigureEndpointDefaults action: other endpoint defaults must join this one, not call it again.)
        services.AddOptions<KestrelServerOptions>().Configure(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => new Direct.DirectWebSocketMiddleware(next, listen.ApplicationServices).OnConnectionAsync)));
        return services;
    }

    /// <summary>
    /// Lets clients SEND straight to subscribers of the same destination under <paramref name="prefix"/>, like a plain
    /// broker (used by tests and any topic that needs no server-side logic). Subscribing still needs an authoriser.
    /// </summary>
    public static IServiceCollection AddStompRelay(this IServiceCollection services, string prefix) =>
        services.AddSingleton<IStompSendHandler>(sp => new StompRelayHandler(prefix, sp.GetRequiredService<IStompBroker>()));

    /// <summary>Maps the STOMP WebSocket endpoint and closes every session cleanly when the application stops.</summary>
    public static IEndpointConventionBuilder MapStomp(this IEndpointRouteBuilder endpoints, string pattern)
    {
        if (endpoints is IApplicationBuilder app) app.UseWebSockets();
        var services = endpoints.ServiceProvider;
        var server = services.GetRequiredService<StompServer>();
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(server.CloseAll);
        services.GetRequiredService<Direct.DirectWebSocketPaths>().Add(pattern);
        return endpoints.Map(pattern, StompEndpoint.HandleAsync);
    }
}

internal sealed class StompRelayHandler(string prefix, IStompBroker broker) : IStompSendHandler
{
    public string DestinationPrefix => prefix;

    public ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken)
    {
        var frame = context.Frame;
        var headers = frame.Headers.Where(h => h.Key is not ("receipt" or "transaction"));
        broker.Publish(context.Destination, context.Body.Span, frame["content-type"] ?? "text/plain", headers);
        return ValueTask.FromResult<StompRefusal?>(null);
    }
}
