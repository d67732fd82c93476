using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// Turns every failure into the envelope of docs/api.md §1. Client errors keep their code; anything unexpected becomes
/// 500 INTERNAL with a fixed message — exception text never reaches the client, only the log.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ShootException e)
        {
            await EnvelopeWriter.WriteErrorAsync(context, e.Code, e.Message, e.Errors, e.RetryAfter);
        }
        catch (BadHttpRequestException e)
        {
            // Thrown by the model binder (malformed JSON, wrong types, missing body) and by Kestrel (body too large).
            if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.PayloadTooLarge, "The request body is too large.");
            else if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
                await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.ValidationFailed, "The request body must be JSON (Content-Type: application/json).");
            else
                await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.ValidationFailed, "The request could not be read: malformed JSON or a parameter of the wrong type.");
        }
        catch (Exception e) when (BackendOutage.Is(e))
        {
            var refusal = BackendOutage.ToRefusal();
            await EnvelopeWriter.WriteErrorAsync(context, refusal.Code, refusal.Message, retryAfter: refusal.RetryAfter);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e)
        {
            LogUnhandled(logger, context.Request.Method, context.Request.Path, e);
            await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.Internal, "An unexpected error occurred.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, PathString path, Exception exception);
}
