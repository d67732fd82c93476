using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.RateLimiting;

/// <summary>
/// docs/api.md §9: the auth endpoints together take at most N requests per minute per client IP, counted across instances
/// when Redis is configured. Slows password guessing and signup floods before any bcrypt work is done.
/// </summary>
public sealed class AuthRateLimitMiddleware(RequestDelegate next, ICounterStore counters, IOptionsMonitor<LimitsOptions> limits)
{
    private static readonly PathString AuthPath = "/api/v1/auth";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(AuthPath))
        {
            var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var state = await counters.IncrementAsync("auth-ip:" + ip, Window, context.RequestAborted);
            if (state.Count > limits.CurrentValue.AuthRequestsPerMinutePerIp)
            {
                await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.RateLimited,
                    "Too many authentication requests from this address; try again later.", retryAfter: state.TimeLeft);
                return;
            }
        }
        await next(context);
    }
}
