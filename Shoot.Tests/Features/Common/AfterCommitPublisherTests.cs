using Mediator;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Features.Common;

namespace Shoot.Tests.Features.Common;

/// <summary>A notification follows a committed change: one failing listener neither fails the publisher nor stops the others.</summary>
[Trait("Category", "Unit")]
public sealed class AfterCommitPublisherTests
{
    private sealed record Happened : INotification;

    private sealed class Recording(List<string> log, string name, bool fails) : INotificationHandler<Happened>
    {
        public ValueTask Handle(Happened notification, CancellationToken cancellationToken)
        {
            log.Add(name);
            return fails ? throw new InvalidOperationException($"{name} is down") : ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_failing_handler_is_logged_and_the_ones_after_it_still_run()
    {
        var log = new List<string>();
        INotificationHandler<Happened>[] handlers = [new Recording(log, "first", fails: false), new Recording(log, "broken", fails: true),
            new Recording(log, "last", fails: false)];

        await new AfterCommitPublisher(NullLogger<AfterCommitPublisher>.Instance)
            .Publish(new NotificationHandlers<Happened>(handlers, isArray: true), new Happened(), CancellationToken.None);

        Assert.Equal(["first", "broken", "last"], log);
    }

    [Fact]
    public async Task Cancellation_still_stops_it()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        INotificationHandler<Happened>[] handlers = [new Cancelling()];

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await new AfterCommitPublisher(NullLogger<AfterCommitPublisher>.Instance)
            .Publish(new NotificationHandlers<Happened>(handlers, isArray: true), new Happened(), cancelled.Token));
    }

    private sealed class Cancelling : INotificationHandler<Happened>
    {
        public ValueTask Handle(Happened notification, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }
    }
}
