using Microsoft.Extensions.Logging;

namespace Shoot.Features.Common;

/// <summary>
/// Runs notification handlers one after the other, like Mediator's default, but a failing handler is logged instead of
/// failing the request. Every notification here is published after its change is committed (room events, friend
/// events, read moves), so the change has happened: answering 500 would make a client retry something already done,
/// and one listener's failure (an SSE announcement while Redis blips) must not keep the others from running.
/// </summary>
public sealed partial class AfterCommitPublisher(ILogger<AfterCommitPublisher> logger) : INotificationPublisher
{
    public async ValueTask Publish<TNotification>(NotificationHandlers<TNotification> handlers, TNotification notification,
        CancellationToken cancellationToken)
        where TNotification : INotification
    {
        foreach (var handler in handlers)
        {
            try
            {
                await handler.Handle(notification, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogHandlerFailed(logger, handler.GetType().Name, typeof(TNotification).Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Handler} failed to handle {Notification}; the change it follows stands")]
    private static partial void LogHandlerFailed(ILogger logger, string handler, string notification, Exception exception);
}
