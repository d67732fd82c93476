using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded pipeline when the message store is SQLite, which shares <c>messages.db</c> with the outbox: a message is
/// stored straight away, in a group commit of everything waiting, and that commit is its hand-over. The outbox's way
/// (a JSON encode, an insert, a read-back, a decode, the store's insert and a delete: three write transactions per
/// group) bought nothing here, since the outbox and the store live and die with the same file (docs/performance.md,
/// "Third profile"). Statuses follow the commit, in order: SENT_TO_KAFKA, PROCESSING, SAVED; a message the store
/// refuses is dead-lettered into <c>outbox_dead</c> and reported FAILED, as the outbox worker does.
/// </summary>
/// <remarks>
/// While messages.db cannot be written, the group is held in memory and tried again after a pause (the hand-off's
/// <see cref="HandOffOptions.MaxInFlight"/> bounds how many wait, and refuses new sends past it), so a send waits at
/// SENDING instead of failing. The outbox worker still runs beside this, to drain rows an older version or an
/// outbox-mode run left behind.
/// </remarks>
public sealed partial class DirectToStorePipeline : BackgroundService, IPersistencePipeline
{
    private const int MaxGroup = 1000;

    // Unbounded: the hand-off's MaxInFlight bounds what can be waiting here.
    private readonly Channel<Waiting> _waiting = Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true });
    private readonly OutboxPersistencePipeline _outbox;
    private readonly OutboxOptions _options;
    private readonly PersistenceBatchProcessor _processor;
    private readonly TimeProvider _time;
    private readonly ILogger<DirectToStorePipeline> _logger;

    public DirectToStorePipeline(OutboxPersistencePipeline outbox, OutboxWriteGate gate, IOptions<OutboxOptions> options, IMessageStore store,
        IEnumerable<IPersistenceObserver> observers, TimeProvider time, ILogger<DirectToStorePipeline> logger)
    {
        _outbox = outbox;
        _options = options.Value;
        _time = time;
        _logger = logger;
        // The gate: the outbox worker (leftover rows) and dead letters write the same file; taking turns beats SQLite's busy polling.
        _processor = new PersistenceBatchProcessor((batch, ct) => gate.RunAsync(() => store.SaveBatchAsync(batch, ct), ct), observers, _options, time, logger,
            ObserverReports.AfterSave);
    }

    /// <summary>The commit is the hand-over; observers hear PROCESSING (so SENT_TO_KAFKA) and SAVED right after it.</summary>
    public bool StoresOnHandOver => true;

    /// <summary>Completes once the message is stored (or, refused by the store, dead-lettered and reported FAILED).</summary>
    public async Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default)
    {
        var waiting = new Waiting(message);
        if (!_waiting.Writer.TryWrite(waiting))
            throw new InvalidOperationException("The store writer has stopped.");
        await waiting.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A local write fails only with the disk or the file, which waiting may fix.</summary>
    public bool IsPermanent(Exception exception) => false;

    public Task DeadLetterAsync(StoredMessage message, string reason, CancellationToken cancellationToken = default) =>
        _outbox.DeadLetterAsync(message, reason, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Waiting>();
        try
        {
            while (await _waiting.Reader.WaitToReadAsync(stoppingToken))
            {
                TakeWaiting(group);
                if (group.Count < MaxGroup && _options.GroupWindow > TimeSpan.Zero)
                {
                    // Let the messages of the next few milliseconds share this commit (see OutboxOptions.GroupWindow).
                    // Real time, not the injected clock: it is about the disk's work, not about any deadline of the domain.
                    await Task.Delay(_options.GroupWindow, stoppingToken);
                    TakeWaiting(group);
                }
                await StoreUntilDoneAsync(group, stoppingToken);
                group.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the hand-off stopped first and waited for what was in flight, so only messages still held by an
            // outage are left; their hand-offs log them as lost and report FAILED.
            _waiting.Writer.TryComplete();
            var stopped = new OperationCanceledException("The store writer stopped before the message was stored.");
            foreach (var waiting in group)
                waiting.Done.TrySetException(stopped);
            while (_waiting.Reader.TryRead(out var left))
                left.Done.TrySetException(stopped);
        }
    }

    private void TakeWaiting(List<Waiting> group)
    {
        while (group.Count < MaxGroup && _waiting.Reader.TryRead(out var next))
            group.Add(next);
    }

    private async Task StoreUntilDoneAsync(List<Waiting> group, CancellationToken ct)
    {
        var batch = group.Select(w => new PipelineRecord(w.Message, null)).ToList();
        for (var failures = 0; ; failures++)
        {
            try
            {
                var refused = await _processor.StoreAsync(batch, ct);
                foreach (var (index, reason) in refused)
                {
                    await _outbox.DeadLetterAsync(batch[index].Message, reason, ct);
                    await _processor.NotifyFailedAsync(batch[index].Message, reason, ct);
                }
                foreach (var waiting in group)
                    waiting.Done.TrySetResult();
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // messages.db cannot be written, or an observer's backend is down after the write: the group is not done;
                // it is stored again (idempotently) and reported after a pause.
                var delay = _options.BackoffFor(failures);
                LogGroupHeld(_logger, group.Count, delay.TotalMilliseconds, e);
                await Task.Delay(delay, _time, ct);
            }
        }
    }

    private sealed record Waiting(StoredMessage Message)
    {
        // Completed on the writer's loop, which then runs the hand-off's short remainder (forget the message, count it
        // done) itself instead of queueing one thread-pool work item per message of the group.
        public TaskCompletionSource Done { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing a group of {Count} messages failed; it is held and tried again in {DelayMs} ms")]
    private static partial void LogGroupHeld(ILogger logger, int count, double delayMs, Exception exception);
}
