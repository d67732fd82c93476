using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// ASP.NET Core's host filter (<c>AllowedHosts</c>) refuses a foreign <c>Host</c> header with 400 before any of Shoot's
/// middleware runs, and would answer with its own HTML page. Its matching (wildcards, ports, IPv6) is kept; this wraps
/// it — first among the startup filters, so outermost — with its failure page turned off, and answers its refusal with
/// the envelope: 400 <c>INVALID_HOST</c>, with the security headers every response carries.
/// A request that got past the filter is marked by <see cref="MarkPassed"/> (first thing in <c>UseShootEdge</c>), so
/// only the filter's own refusals are rewritten, never a 400 of the app.
/// </summary>
public sealed class HostRefusalMiddleware(RequestDelegate next)
{
    public const string ErrorCodeName = "INVALID_HOST";

    private const string PassedKey = "shoot:host-filter-passed";

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Items.ContainsKey(PassedKey) || context.Response.StatusCode != StatusCodes.Status400BadRequest || context.Response.HasStarted)
            return;
        SecurityHeadersMiddleware.Apply(context);
        await EnvelopeWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, ErrorCodeName,
            "The Host header names no host this server answers to (AllowedHosts).");
    }

    public static void MarkPassed(HttpContext context) => context.Items[PassedKey] = true;

    /// <summary>Registers the wrapper before every other startup filter (the host filter's among them) and turns the filter's own page off.</summary>
    public static IServiceCollection Register(IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o => o.IncludeFailureMessage = false);
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, StartupFilter>());
        return services;
    }

    private sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<HostRefusalMiddleware>();
            next(app);
        };
    }
}
