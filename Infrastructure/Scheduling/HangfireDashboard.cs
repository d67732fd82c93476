using System.Net;
using System.Security.Claims;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Scheduling;

/// <summary>
/// Hangfire's dashboard at <c>/hangfire</c> over this instance's job storage (hangfire.db, or PostgreSQL's schema
/// <c>hangfire</c>), where the scheduled-message jobs live. Open to requests from the machine itself and to the users
/// named in <c>Shoot:Admins</c> presenting a valid access token (Authorization header, or the
/// <see cref="TokenCookie"/> cookie the web client sets); others get 401 (no valid token) or 403 (not an admin).
/// Read-only unless <c>Shoot:Hangfire:DashboardWritable</c>: then admins may also delete, requeue or trigger jobs.
/// </summary>
public static class HangfireDashboard
{
    public const string Path = "/hangfire";
    public const string TokenCookie = "shoot_admin_token";
    public const string AdminsKey = "Shoot:Admins";
    public const string WritableKey = "Shoot:Hangfire:DashboardWritable";

    public static IEndpointConventionBuilder MapShootHangfireDashboard(this WebApplication app)
    {
        var admins = app.Configuration.GetSection(AdminsKey).Get<string[]>() ?? [];
        var writable = app.Configuration.GetValue<bool>(WritableKey);
        var options = new DashboardOptions
        {
            DashboardTitle = "Shoot — scheduled messages",
            AppPath = "/",
            Authorization = [],
            AsyncAuthorization = [new AdminsOrLoopback(admins, app.Services.GetRequiredService<JwtTokenService>())],
            IsReadOnlyFunc = _ => !writable,
        };
        // The dashboard decides who may see it (above); the app's authenticated-by-default policy must not answer first.
        return app.MapHangfireDashboard(Path, options, app.Services.GetRequiredService<JobStorage>()).AllowAnonymous();
    }

    private sealed class AdminsOrLoopback(string[] admins, JwtTokenService tokens) : IDashboardAsyncAuthorizationFilter
    {
        private readonly HashSet<string> _admins = new(admins, StringComparer.OrdinalIgnoreCase); // usernames are unique regardless of case

        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (IsFromThisMachine(http)) return true;
            var token = StompBearerToken.From(http.Request.Headers.Authorization.ToString()) ?? http.Request.Cookies[TokenCookie];
            var user = await tokens.ValidateAsync(token);
            if (user is null) return false; // Hangfire answers 401: nobody is signed in
            // A known user who is not an admin: Hangfire answers 403 for an authenticated principal.
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(JwtTokenService.UsernameClaim, user.Username)], "Bearer"));
            return _admins.Contains(user.Username);
        }

        /// <summary>
        /// Loopback, and not relayed: a request a proxy on this machine forwards carries X-Forwarded-For (when the
        /// proxy is trusted, the forwarded-headers middleware has already put the real client's address in its place).
        /// </summary>
        private static bool IsFromThisMachine(HttpContext http)
        {
            var address = http.Connection.RemoteIpAddress;
            if (address is null) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return IPAddress.IsLoopback(address)
                   && string.IsNullOrEmpty(http.Request.Headers["X-Forwarded-For"])
                   && string.IsNullOrEmpty(http.Request.Headers["Forwarded"]);
        }
    }
}
