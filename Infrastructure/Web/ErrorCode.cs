namespace Shoot.Infrastructure.Web;

/// <summary>The error codes of docs/api.md §1. Each has exactly one HTTP status.</summary>
public enum ErrorCode
{
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    Internal,
    /// <summary>Readiness only: a backend the instance depends on does not answer.</summary>
    ServiceUnavailable,
    /// <summary>A request the server cannot take now (a backend down, its bounded buffers full); retry after Retry-After.</summary>
    Unavailable,
}

public static class ErrorCodes
{
    public static int StatusOf(ErrorCode code) => code switch
    {
        ErrorCode.ValidationFailed => StatusCodes.Status400BadRequest,
        ErrorCode.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCode.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCode.NotFound => StatusCodes.Status404NotFound,
        ErrorCode.Conflict => StatusCodes.Status409Conflict,
        ErrorCode.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCode.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCode.ServiceUnavailable or ErrorCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The wire name, e.g. <c>VALIDATION_FAILED</c>.</summary>
    public static string WireName(ErrorCode code) => code switch
    {
        ErrorCode.ValidationFailed => "VALIDATION_FAILED",
        ErrorCode.Unauthorized => "UNAUTHORIZED",
        ErrorCode.Forbidden => "FORBIDDEN",
        ErrorCode.NotFound => "NOT_FOUND",
        ErrorCode.Conflict => "CONFLICT",
        ErrorCode.PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        ErrorCode.RateLimited => "RATE_LIMITED",
        ErrorCode.ServiceUnavailable => "SERVICE_UNAVAILABLE",
        ErrorCode.Unavailable => "UNAVAILABLE",
        _ => "INTERNAL",
    };
}
