namespace Shoot.Infrastructure.Web;

/// <summary>
/// A refusal a client is meant to see: its code, a human message, and for validation failures the per-field reasons.
/// Thrown by handlers and rendered once, by <see cref="ApiErrorMiddleware"/> for REST and by the STOMP error queue for SENDs.
/// </summary>
public sealed class ShootException(
    ErrorCode code,
    string message,
    IReadOnlyDictionary<string, string[]>? errors = null,
    TimeSpan? retryAfter = null) : Exception(message)
{
    public ErrorCode Code { get; } = code;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ShootException NotFound(string what) => new(ErrorCode.NotFound, $"{what} was not found.");
    public static ShootException Forbidden(string why) => new(ErrorCode.Forbidden, why);
    public static ShootException Conflict(string why) => new(ErrorCode.Conflict, why);
    public static ShootException Unauthorized(string why) => new(ErrorCode.Unauthorized, why);

    public static ShootException Invalid(string field, string why) =>
        new(ErrorCode.ValidationFailed, "The request is not valid.", new Dictionary<string, string[]> { [field] = [why] });

    /// <summary>Contract §1/§8: the server cannot take this now; the client may retry (on STOMP with the same tempId).</summary>
    public static ShootException Unavailable(TimeSpan retryAfter, string why) => new(ErrorCode.Unavailable, why, retryAfter: retryAfter);

    public static ShootException RateLimited(TimeSpan retryAfter, string why = "Too many requests; try again later.") =>
        new(ErrorCode.RateLimited, why, retryAfter: retryAfter);
}
