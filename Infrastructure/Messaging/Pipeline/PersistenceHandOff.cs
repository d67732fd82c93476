using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Takes an accepted (already broadcast) message to the persistence pipeline off the sender's session, so a session
/// never waits for Kafka or the outbox. With Kafka, a message whose delivery report has not come within
/// <see cref="HandOffOptions.SpillAfter"/> goes to the durable <see cref="PipelineSpill"/>, and while the spill holds
/// anything, new messages queue behind it there, so a room's messages reach Kafka in order. FAILED is only for a
/// message Kafka can never take (dead-lettered) or one that could not even be spilled (the disk failed).
/// Observers hear SENT_TO_KAFKA (<see cref="IPersistenceObserver.OnHandedOverAsync"/>) or FAILED from here, except
/// with a pipeline whose hand-over is the store's write (<see cref="IPersistencePipeline.StoresOnHandOver"/>).
/// </summary>
public sealed partial class PersistenceHandOff : IHostedService
{
    private readonly IPersistencePipeline _pipeline;
    private readonly PipelineSpill? _spill;
    private readonly IPersistenceObserver[] _observers;
    private readonly HandOffOptions _options;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger<PersistenceHandOff> _logger;
    private readonly MessagesOnTheirWay _onTheirWay;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <param name="spill">The spill (Kafka only); null with the embedded pipeline, which is itself a local durable write.</param>
    public PersistenceHandOff(IPersistencePipeline pipeline, IEnumerable<IPersistenceObserver> observers, MessagesOnTheirWay onTheirWay,
        IOptions<HandOffOptions> options, PipelineMetrics metrics, ILogger<PersistenceHandOff> logger, PipelineSpill? spill = null)
    {
        _onTheirWay = onTheirWay;
        _pipeline = pipeline;
        _spill = spill;
        _observers = observers.ToArray();
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        metrics.Track(this, spill);
    }

    /// <summary>Hand-offs started and not finished yet.</summary>
    public int InFlight => Volatile.Read(ref _count);

    /// <summary>
    /// Refuses a new send, before anything is broadcast, when this instance cannot take more: too many hand-offs in
    /// flight, or a full spill. The client retries with the same tempId after Retry-After.
    /// </summary>
    public void EnsureAdmitting()
    {
        var reason = InFlight >= _options.MaxInFlight ? "in_flight_full"
            : _spill is not null && _spill.Depth >= _options.MaxSpilled ? "spill_full"
            : null;
        if (reason is null)
            return;
        _metrics.Refused(reason);
        throw ShootException.Unavailable(_options.RetryAfter,
            reason == "spill_full"
                ? "Messages cannot be persisted right now and this server's spill is full; retry with the same tempId."
                : "This server has too many messages on their way to persistence; retry with the same tempId.");
    }

    /// <summary>Starts the hand-off and returns at once; the outcome reaches the observers.</summary>
    public void Start(StoredMessage message)
    {
        Interlocked.Increment(ref _count);
        _onTheirWay.Add(message);
        _ = RunAsync(message);
    }

    private async Task RunAsync(StoredMessage message)
    {
        try
        {
            if (_spill is null)
                await HandOverAsync(message);
            else
                await HandOverOrSpillAsync(message, _spill);
        }
        catch (Exception e)
        {
            // Not even the local disk took it: the message cannot be kept, and its sender must know.
            LogLost(_logger, message.Id, message.RoomId, e);
            await NotifyFailedAsync(message, "The message could not be handed to the persistence pipeline.");
        }
        finally
        {
            _onTheirWay.Remove(message);
            if (Interlocked.Decrement(ref _count) == 0 && _stopping.IsCancellationRequested)
                _drained.TrySetResult();
        }
    }

    // Embedded: the outbox or store write is local and durable; it only fails with the disk, which the spill would share.
    private async Task HandOverAsync(StoredMessage message)
    {
        await _pipeline.EnqueueAsync(message);
        if (!_pipeline.StoresOnHandOver)
            await NotifyHandedOverAsync(message);
    }

    private async Task HandOverOrSpillAsync(StoredMessage message, PipelineSpill spill)
    {
        if (spill.Depth == 0)
        {
            // Cancelling a produce only stops the wait, so the produce runs untokened and the wait is bounded instead.
            var produce = _pipeline.EnqueueAsync(message);
            await Task.WhenAny(produce, Task.Delay(_options.SpillAfter, _stopping.Token));
            if (produce.IsCompletedSuccessfully)
            {
                await NotifyHandedOverAsync(message);
                return;
            }
            if (produce.IsFaulted && _pipeline.IsPermanent(produce.Exception!.InnerException!))
            {
                await DeadLetterAsync(message, produce.Exception.InnerException!);
                return;
            }
            // Still waiting (or refused for now): the produce may yet succeed, and then the spilled copy is forwarded
            // too; the store keeps one. Its late outcome needs no one.
            _ = produce.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
        await spill.AppendAsync(message);
        LogSpilled(_logger, message.Id, message.RoomId, message.Seq);
    }

    private async Task DeadLetterAsync(StoredMessage message, Exception error)
    {
        var reason = $"Kafka refused the message for good: {error.Message}";
        await _pipeline.DeadLetterAsync(message, reason);
        await NotifyFailedAsync(message, reason);
    }

    internal Task NotifyHandedOverAsync(StoredMessage message) => NotifyAsync(o => o.OnHandedOverAsync(message, CancellationToken.None));

    internal Task NotifyFailedAsync(StoredMessage message, string reason) => NotifyAsync(o => o.OnFailedAsync(message, reason, CancellationToken.None));

    // Observers must not throw for one message; if one does, it is logged and the others still hear.
    private async Task NotifyAsync(Func<IPersistenceObserver, ValueTask> call)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await call(observer);
            }
            catch (Exception e)
            {
                LogObserverFailed(_logger, observer.GetType().Name, e);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// On shutdown every hand-off still waiting for Kafka is spilled at once, so a stopped instance takes nothing with
    /// it: its spill is forwarded when it (or another instance on the same data directory) starts again.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (InFlight == 0)
            return;
        await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} of room {RoomId} (seq {Seq}) spilled: Kafka did not take it in time")]
    private static partial void LogSpilled(ILogger logger, string messageId, long roomId, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of room {RoomId} could be neither handed over nor spilled")]
    private static partial void LogLost(ILogger logger, string messageId, long roomId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Persistence observer {Observer} threw; the hand-off goes on")]
    private static partial void LogObserverFailed(ILogger logger, string observer, Exception exception);
}
