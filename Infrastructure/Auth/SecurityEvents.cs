using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Auth;

/// <summary>
/// Security events (issue 14), each a structured log entry in the <c>Shoot.Security</c> category, so an operator can
/// route or alert on them alone: failed logins, locked usernames, refresh-token reuse, deleted accounts, refused
/// connections. They carry the user id (or the username tried) and the client address — never a password or token.
/// The client address is the request's (behind a trusted proxy, from X-Forwarded-For).
/// </summary>
public sealed partial class SecurityEvents(ILoggerFactory loggers, IHttpContextAccessor http)
{
    public const string Category = "Shoot.Security";
    private readonly ILogger _logger = loggers.CreateLogger(Category);

    private string ClientAddress => ClientAddressOf(http.HttpContext);

    public static string ClientAddressOf(HttpContext? context) => context?.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void LoginFailed(string username, long? userId) => LogLoginFailed(_logger, username, userId, ClientAddress);

    public void UsernameLocked(string username, long? userId, TimeSpan lockedFor) =>
        LogUsernameLocked(_logger, username, userId, lockedFor, ClientAddress);

    public void RefreshTokenReuse(long userId) => LogRefreshTokenReuse(_logger, userId, ClientAddress);

    public void AccountDeleted(long userId) => LogAccountDeleted(_logger, userId, ClientAddress);

    public void AccountDeletionRefused(long userId) => LogAccountDeletionRefused(_logger, userId, ClientAddress);

    public void ConnectionRefused(string reason, string clientAddress, string? origin) =>
        LogConnectionRefused(_logger, reason, clientAddress, origin);

    [LoggerMessage(EventId = 1, EventName = "LoginFailed", Level = LogLevel.Warning,
        Message = "Login failed for username {Username} (user {UserId}) from {ClientAddress}")]
    private static partial void LogLoginFailed(ILogger logger, string username, long? userId, string clientAddress);

    [LoggerMessage(EventId = 2, EventName = "UsernameLocked", Level = LogLevel.Warning,
        Message = "Username {Username} (user {UserId}) locked for {LockedFor} after repeated failed logins, the last from {ClientAddress}")]
    private static partial void LogUsernameLocked(ILogger logger, string username, long? userId, TimeSpan lockedFor, string clientAddress);

    [LoggerMessage(EventId = 3, EventName = "RefreshTokenReuse", Level = LogLevel.Warning,
        Message = "A used refresh token of user {UserId} was presented again from {ClientAddress}; its login family is revoked")]
    private static partial void LogRefreshTokenReuse(ILogger logger, long userId, string clientAddress);

    [LoggerMessage(EventId = 4, EventName = "AccountDeleted", Level = LogLevel.Information,
        Message = "Account of user {UserId} deleted from {ClientAddress}")]
    private static partial void LogAccountDeleted(ILogger logger, long userId, string clientAddress);

    [LoggerMessage(EventId = 5, EventName = "AccountDeletionRefused", Level = LogLevel.Warning,
        Message = "Account deletion of user {UserId} refused (wrong password) from {ClientAddress}")]
    private static partial void LogAccountDeletionRefused(ILogger logger, long userId, string clientAddress);

    [LoggerMessage(EventId = 6, EventName = "ConnectionRefused", Level = LogLevel.Warning,
        Message = "Connection refused ({Reason}) from {ClientAddress}, origin {Origin}")]
    private static partial void LogConnectionRefused(ILogger logger, string reason, string clientAddress, string? origin);
}
