using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>Source-generated log messages: no formatting cost unless the level is on.</summary>
internal static partial class StompLog
{
    [LoggerMessage(1, LogLevel.Debug, "STOMP session {SessionId} connected as user {UserId} (version {Version})")]
    public static partial void Connected(ILogger logger, string sessionId, string userId, string version);

    [LoggerMessage(2, LogLevel.Debug, "STOMP session {SessionId} closed ({Reason})")]
    public static partial void Closed(ILogger logger, string sessionId, StompCloseReason reason);

    [LoggerMessage(3, LogLevel.Information, "STOMP session {SessionId}: protocol error: {Message}")]
    public static partial void ProtocolError(ILogger logger, string sessionId, string message);

    [LoggerMessage(4, LogLevel.Warning, "STOMP session {SessionId} of user {UserId} disconnected as a slow consumer (outbound queue full)")]
    public static partial void SlowConsumer(ILogger logger, string sessionId, string? userId);

    [LoggerMessage(5, LogLevel.Debug, "STOMP session {SessionId}: {Command} to {Destination} refused: {Code}")]
    public static partial void Refused(ILogger logger, string sessionId, string command, string destination, string code);

    [LoggerMessage(6, LogLevel.Error, "STOMP session {SessionId}: handler for {Destination} failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string sessionId, string destination);

    [LoggerMessage(7, LogLevel.Error, "STOMP session {SessionId}: listener {Listener} failed")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string sessionId, string listener);

    [LoggerMessage(8, LogLevel.Error, "STOMP session {SessionId} failed")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string sessionId);
}
