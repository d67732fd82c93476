using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>What writes a batch: <see cref="IMessageStore.SaveBatchAsync"/>, possibly behind a write gate.</summary>
internal delegate Task SaveBatch(IReadOnlyList<StoredMessage> messages, CancellationToken ct);

/// <summary>When a worker tells observers PROCESSING: before the store's write (Kafka, outbox), or after it, with SAVED.</summary>
internal enum ObserverReports
{
    /// <summary>The record was taken from a durable log, so PROCESSING is true before the write.</summary>
    BeforeSave,

    /// <summary>
    /// The store's write is itself the hand-over (<see cref="DirectToStorePipeline"/>): SENT_TO_KAFKA and PROCESSING are
    /// only true once it committed, so they are told then, just before SAVED.
    /// </summary>
    AfterSave,
}

/// <summary>
/// What the workers do with a batch, whatever it came from: tell observers PROCESSING, write with bounded retries,
/// tell observers SAVED, and hand back the records to dead-letter. The caller moves those, calls
/// <see cref="NotifyFailedAsync"/>, and only then commits its position; so a crash anywhere before the commit
/// redelivers the batch, which the idempotent store absorbs.
/// </summary>
internal sealed partial class PersistenceBatchProcessor(
    SaveBatch save, IEnumerable<IPersistenceObserver> observers, PipelineWorkerOptions options, TimeProvider time, ILogger logger,
    ObserverReports reports = ObserverReports.BeforeSave)
{
    private readonly IPersistenceObserver[] _observers = observers.ToArray();

    /// <returns>The indexes (into <paramref name="batch"/>) of records that could not be stored, each with the reason.</returns>
    public async Task<IReadOnlyList<(int Index, string Reason)>> StoreAsync(IReadOnlyList<PipelineRecord> batch, CancellationToken ct)
    {
        var failed = new List<(int Index, string Reason)>();
        var readable = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].IsPoison)
                failed.Add((i, batch[i].PoisonReason!));
            else
                readable.Add(i);
        }
        if (readable.Count == 0)
            return failed;

        var messages = readable.Select(i => batch[i].Message).ToList();
        if (reports == ObserverReports.BeforeSave)
            await NotifyAsync(static (o, m, c) => o.OnProcessingAsync(m, c), (IReadOnlyList<StoredMessage>)messages, ct);
        var error = await SaveWithRetriesAsync(messages, ct);
        if (error is not null && StoreOutage.Is(error))
        {
            // The store is down, not refusing these records: nothing is dead-lettered or reported; the worker pauses and
            // delivers the same batch again (PROCESSING may be heard twice, which observers tolerate).
            throw new StoreUnavailableException(error);
        }
        var saved = new List<StoredMessage>(messages.Count);
        if (error is null)
        {
            saved.AddRange(messages);
        }
        else if (error is MessageSeqConflictException conflict)
        {
            // The store kept every other message of the batch; only the refused ones failed, and would fail again.
            var refused = conflict.Refused.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var index in readable)
            {
                if (refused.Contains(batch[index].Message.Id))
                    failed.Add((index, $"The store refused the message: {conflict.Message}"));
                else
                    saved.Add(batch[index].Message);
            }
        }
        else
        {
            // The batch keeps failing: find the records the store refuses by trying each alone, once, so one bad
            // message costs only itself and the rest are saved.
            foreach (var index in readable)
            {
                try
                {
                    await save([batch[index].Message], ct);
                    saved.Add(batch[index].Message);
                }
                catch (Exception e) when (StoreOutage.Is(e))
                {
                    throw new StoreUnavailableException(e);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failed.Add((index, $"The store refused the message: {e.Message}"));
                }
            }
        }
        if (saved.Count > 0)
        {
            if (reports == ObserverReports.AfterSave)
                await NotifyAsync(static (o, m, c) => o.OnProcessingAsync(m, c), (IReadOnlyList<StoredMessage>)saved, ct);
            await NotifyAsync(static (o, m, c) => o.OnSavedAsync(m, c), (IReadOnlyList<StoredMessage>)saved, ct);
        }
        failed.Sort((x, y) => x.Index.CompareTo(y.Index));
        return failed;
    }

    public Task NotifyFailedAsync(StoredMessage message, string reason, CancellationToken ct)
    {
        LogDeadLettered(logger, message.Id, message.RoomId, reason);
        // Called after the record was dead-lettered: a redelivery would dead-letter it twice, so an outage here is only logged.
        return NotifyAsync(static (o, failure, c) => o.OnFailedAsync(failure.message, failure.reason, c), (message, reason), ct,
            redeliverOnOutage: false);
    }

    private async Task<Exception?> SaveWithRetriesAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await save(messages, ct);
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A refusal the store explains (a seq taken, an invalid message) does not go away by waiting.
                if (attempt >= options.RetryCount || e is MessageSeqConflictException or ArgumentException)
                    return e;
                var delay = options.BackoffFor(attempt);
                LogStoreRetry(logger, messages.Count, attempt + 1, options.RetryCount, delay.TotalMilliseconds, e);
                await Task.Delay(delay, time, ct);
            }
        }
    }

    // Observers must not throw for one message (the interface says so); if one does, it is logged and the others still hear.
    // A backend that is down under an observer (the sequencer's Redis, which carries the statuses; the database) is
    // different: PROCESSING and SAVED would be lost for good, and the client would never see its message SAVED. The
    // batch is then not finished: the exception goes to the worker, which pauses and delivers the batch again (the store
    // write is idempotent, and a status is only published when it moves a send forward, so nothing is heard twice).
    private async Task NotifyAsync<TArgument>(
        Func<IPersistenceObserver, TArgument, CancellationToken, ValueTask> call, TArgument argument, CancellationToken ct,
        bool redeliverOnOutage = true)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await call(observer, argument, ct);
            }
            catch (Exception e) when (redeliverOnOutage && Web.BackendOutage.Is(e))
            {
                throw new ObserverUnavailableException(observer.GetType().Name, e);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogObserverFailed(logger, observer.GetType().Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing a batch of {Count} messages failed (retry {Attempt} of {Retries} in {DelayMs} ms)")]
    private static partial void LogStoreRetry(ILogger logger, int count, int attempt, int retries, double delayMs, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Persistence observer {Observer} threw; the pipeline goes on")]
    private static partial void LogObserverFailed(ILogger logger, string observer, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of room {RoomId} dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, long roomId, string reason);
}
