using Microsoft.AspNetCore.Http.Features;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// Answers 413 PAYLOAD_TOO_LARGE for a declared body over <c>Shoot:Limits:MaxRequestBodyBytes</c> before anything reads
/// it, and caps undeclared (chunked) bodies through the server's own limit where the server has one (Kestrel).
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<LimitsOptions> limits)
{
    public Task InvokeAsync(HttpContext context)
    {
        var max = limits.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
            return EnvelopeWriter.WriteErrorAsync(context, ErrorCode.PayloadTooLarge, $"The request body is larger than {max} bytes.");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = max;
        return next(context);
    }
}
