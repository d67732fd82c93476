namespace Shoot.Infrastructure.Web;

/// <summary>
/// Headers every response carries (issue 14): no MIME sniffing, no referrer, never framed, a content security policy
/// that lets the web client run from this origin only (its own scripts, WebSocket/SSE/XHR back to this server,
/// preview images from anywhere on https), and no caching of API answers, which hold tokens and private data. The API
/// reference page at /docs runs an inline bootstrap script and styles and loads its fonts from fonts.scalar.com, so it
/// alone gets a policy that allows them.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'";

    public const string DocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; font-src 'self' data: https://fonts.scalar.com; "
        + "connect-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        Apply(context);
        return next(context);
    }

    /// <summary>Sets the headers on a response (also on answers written before this middleware runs, such as a refused Host).</summary>
    public static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        var path = context.Request.Path;
        headers.ContentSecurityPolicy = path.StartsWithSegments("/docs") || path.StartsWithSegments("/scalar")
            ? DocsContentSecurityPolicy
            : ContentSecurityPolicy;
        if (path.StartsWithSegments("/api"))
        {
            // Set before the endpoint runs, so an endpoint with its own policy (SSE: no-cache) overrides it.
            headers.CacheControl = "no-store";
        }
    }
}
