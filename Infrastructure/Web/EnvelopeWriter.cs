using System.Globalization;
using System.Text.Json;

namespace Shoot.Infrastructure.Web;

/// <summary>Writes the envelope of docs/api.md §1 for code paths outside endpoints (middleware, auth challenges, health).</summary>
public static class EnvelopeWriter
{
    public static Task WriteErrorAsync(HttpContext context, ErrorCode code, string message,
        IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null) =>
        WriteErrorAsync(context, ErrorCodes.StatusOf(code), ErrorCodes.WireName(code), message, errors, retryAfter);

    public static async Task WriteErrorAsync(HttpContext context, int status, string errorCode, string message,
        IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
            return;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        if (retryAfter is { } wait)
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var body = new ErrorEnvelope(errorCode, message, status, errors, DateTimeOffset.UtcNow);
        await JsonSerializer.SerializeAsync(response.Body, body, ShootJson.Options, context.RequestAborted);
    }

    public static async Task WriteSuccessAsync<T>(HttpContext context, int status, T data)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new SuccessEnvelope<T>(data, null, status, DateTimeOffset.UtcNow);
        await JsonSerializer.SerializeAsync(context.Response.Body, body, ShootJson.Options, context.RequestAborted);
    }

    /// <summary>
    /// A status with no body of its own (unknown route, wrong method, …) gets the envelope too; the error code is the
    /// one of docs/api.md §1 where one exists, else the reason phrase in UPPER_SNAKE (e.g. 405 METHOD_NOT_ALLOWED).
    /// </summary>
    public static Task WriteStatusAsync(HttpContext context, int status)
    {
        // A body that is not JSON is, to a JSON API, malformed JSON: 400 VALIDATION_FAILED (docs/api.md §1).
        if (status == StatusCodes.Status415UnsupportedMediaType)
            return WriteErrorAsync(context, ErrorCode.ValidationFailed, "The request body must be JSON (Content-Type: application/json).");
        var known = Enum.GetValues<ErrorCode>().Where(c => ErrorCodes.StatusOf(c) == status).Cast<ErrorCode?>().FirstOrDefault();
        var phrase = ReasonPhrases.GetReasonPhrase(status);
        var name = known is { } code ? ErrorCodes.WireName(code) : phrase.ToUpperInvariant().Replace(' ', '_');
        var message = status switch
        {
            StatusCodes.Status404NotFound => "No such endpoint or resource.",
            StatusCodes.Status401Unauthorized => "A valid access token is required.",
            StatusCodes.Status403Forbidden => "You may not do this.",
            _ => phrase.Length > 0 ? phrase + "." : "The request failed.",
        };
        return WriteErrorAsync(context, status, name, message);
    }
}
