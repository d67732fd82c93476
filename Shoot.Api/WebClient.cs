using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Shoot.Api;

/// <summary>
/// The browser client in wwwroot (plain HTML, CSS and JavaScript, no build step; its libraries are pinned copies in
/// wwwroot/lib, see js/libs.json) served at <c>/</c>, and a start-up line saying where to go.
/// </summary>
public static class WebClient
{
    /// <summary>Before routing, so the API's 404 envelope never answers for a file that exists.</summary>
    public static WebApplication UseShootWebClient(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.Lifetime.ApplicationStarted.Register(() => LogWhereToGo(app));
        return app;
    }

    private static void LogWhereToGo(WebApplication app)
    {
        var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var root = addresses?.FirstOrDefault()?.TrimEnd('/') ?? Operations.DefaultUrl;
        app.Logger.LogInformation("Open {WebClient}/ to chat, {ApiDocs}/docs for the API, {Dashboard}/hangfire for scheduled jobs",
            root, root, root);
    }
}
