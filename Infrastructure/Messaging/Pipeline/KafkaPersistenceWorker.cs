using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The consumer group that stores <c>chat-messages</c>. Offsets are committed only after a batch is stored (or
/// dead-lettered) and observers were told, so every record is delivered at least once; the store ignores a message it
/// already has, so a redelivery (after a crash, a rebalance or a broker outage) stores nothing twice.
/// </summary>
public sealed partial class KafkaPersistenceWorker : BackgroundService
{
    public const string ReasonHeader = "shoot-dlq-reason";
    public const string SourceHeader = "shoot-dlq-source";
    public const string FailedAtHeader = "shoot-dlq-failed-at";

    private readonly string _bootstrapServers;
    private readonly KafkaOptions _options;
    private readonly PersistenceBatchProcessor _processor;
    private readonly TimeProvider _time;
    private readonly ILogger<KafkaPersistenceWorker> _logger;
    private readonly MessageTextCodec _codec;
    private readonly List<ConsumeResult<string, byte[]>> _pending = [];

    public KafkaPersistenceWorker(IOptions<ConnectionStringsOptions> connections, IOptions<KafkaOptions> options, IMessageStore store,
        IEnumerable<IPersistenceObserver> observers, TimeProvider time, MessageTextCodec codec, ILogger<KafkaPersistenceWorker> logger)
    {
        _codec = codec;
        _bootstrapServers = connections.Value.Kafka!;
        _options = options.Value;
        _processor = new PersistenceBatchProcessor(store.SaveBatchAsync, observers, _options, time, logger);
        _time = time;
        _logger = logger;
    }

    // Consume blocks, so the loop gets a thread of its own instead of holding a pool thread.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        using var deadLetters = KafkaClientFactory.Producer(_bootstrapServers, _options, _logger);
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = _bootstrapServers,
                GroupId = _options.ConsumerGroupId,
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
                FetchWaitMaxMs = (int)_options.FetchMaxWait.TotalMilliseconds,
            })
            .SetLogHandler((_, m) => KafkaClientFactory.Log(_logger, m))
            .SetErrorHandler((_, e) => LogConsumerError(_logger, e.Code, e.Reason))
            // Runs inside Consume, on this thread, before the partitions go to another member: storing and committing
            // what is pending now spares the new owner redelivering it.
            .SetPartitionsAssignedHandler((_, assigned) => LogAssigned(_logger, string.Join(",", assigned.Select(p => p.Partition.Value))))
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                LogRevoked(_logger, string.Join(",", revoked.Select(p => p.Partition.Value)), _pending.Count);
                FlushOnRevoke(c, deadLetters, ct);
            })
            // Lost partitions may already be consumed elsewhere and can no longer be committed: drop them; whoever
            // owns them now delivers them again.
            .SetPartitionsLostHandler((_, lost) => _pending.RemoveAll(r => lost.Any(p => p.TopicPartition == r.TopicPartition)))
            .Build();
        consumer.Subscribe(_options.Topic);
        LogStarted(_logger, _options.Topic, _options.ConsumerGroupId);
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                FillBatch(consumer, ct);
                if (_pending.Count == 0)
                    continue;
                StoreAndCommit(consumer, deadLetters, ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Nothing of the batch was committed (a store outage, say); go back to its start and try again after a pause.
                LogBatchFailed(_logger, _pending.Count, e);
                Rewind(consumer);
                if (!PauseFor(consumer, _options.BackoffFor(failures++), ct))
                    break;
            }
        }
        // Uncommitted records are delivered again to whoever gets the partitions; Close leaves the group at once.
        _pending.Clear();
        consumer.Close();
        LogStopped(_logger);
    }

    /// <summary>Waits for a first record, then takes more until the batch is full or the batch window has passed.</summary>
    private void FillBatch(IConsumer<string, byte[]> consumer, CancellationToken ct)
    {
        var idle = TimeSpan.FromMilliseconds(250);
        while (_pending.Count == 0 && !ct.IsCancellationRequested)
        {
            if (consumer.Consume(idle) is { } first)
                _pending.Add(first);
        }
        var firstTaken = _time.GetTimestamp();
        while (_pending.Count > 0 && _pending.Count < _options.BatchSize && !ct.IsCancellationRequested)
        {
            var left = _options.BatchWindow - _time.GetElapsedTime(firstTaken);
            if (left <= TimeSpan.Zero || consumer.Consume(left) is not { } next)
                break;
            _pending.Add(next);
        }
    }

    private void StoreAndCommit(IConsumer<string, byte[]> consumer, IProducer<string, byte[]> deadLetters, CancellationToken ct)
    {
        var batch = _pending.Select(r => PipelineRecord.Decode(r.Message.Value, _codec, KafkaClientFactory.RoomFromKey(r.Message.Key))).ToList();
        var failed = _processor.StoreAsync(batch, ct).GetAwaiter().GetResult();
        foreach (var (index, reason) in failed)
            DeadLetter(deadLetters, _pending[index], reason, ct);
        foreach (var (index, reason) in failed)
            _processor.NotifyFailedAsync(batch[index].Message, reason, ct).GetAwaiter().GetResult();
        Commit(consumer);
        _pending.Clear();
    }

    private void DeadLetter(IProducer<string, byte[]> deadLetters, ConsumeResult<string, byte[]> record, string reason, CancellationToken ct)
    {
        var headers = new Headers
        {
            { ReasonHeader, Encoding.UTF8.GetBytes(reason) },
            { SourceHeader, Encoding.UTF8.GetBytes(record.TopicPartitionOffset.ToString()) },
            { FailedAtHeader, Encoding.UTF8.GetBytes(_time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)) },
        };
        // A dead letter that cannot be written throws: the batch is then not committed and is tried again.
        deadLetters.ProduceAsync(_options.DeadLetterTopic, new Message<string, byte[]> { Key = record.Message.Key, Value = record.Message.Value, Headers = headers }, ct)
            .GetAwaiter().GetResult();
    }

    private void Commit(IConsumer<string, byte[]> consumer)
    {
        var offsets = _pending
            .GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))
            .ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e)
        {
            // The batch is stored; a later commit on the partition covers it, or the next owner redelivers it and the
            // store ignores the repeat.
            LogCommitFailed(_logger, e.Error.Code, e.Error.Reason);
        }
    }

    private void FlushOnRevoke(IConsumer<string, byte[]> consumer, IProducer<string, byte[]> deadLetters, CancellationToken ct)
    {
        if (_pending.Count == 0)
            return;
        try
        {
            StoreAndCommit(consumer, deadLetters, ct);
        }
        catch (Exception e)
        {
            LogBatchFailed(_logger, _pending.Count, e);
        }
        _pending.Clear();
    }

    /// <summary>
    /// Waits with every partition paused: the consumer keeps polling, so the group does not drop it however long the
    /// store stays down, yet fetches nothing. A partition newly assigned meanwhile is not paused; its records are kept.
    /// </summary>
    /// <returns>False when stopping.</returns>
    private bool PauseFor(IConsumer<string, byte[]> consumer, TimeSpan delay, CancellationToken ct)
    {
        var paused = consumer.Assignment.ToList();
        consumer.Pause(paused);
        try
        {
            var started = _time.GetTimestamp();
            for (var left = delay; left > TimeSpan.Zero && !ct.IsCancellationRequested; left = delay - _time.GetElapsedTime(started))
            {
                if (consumer.Consume(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250)) is { } record)
                    _pending.Add(record);
            }
        }
        finally
        {
            try
            {
                consumer.Resume(paused.Intersect(consumer.Assignment).ToList());
            }
            catch (KafkaException e)
            {
                LogCommitFailed(_logger, e.Error.Code, e.Error.Reason);
            }
        }
        return !ct.IsCancellationRequested;
    }

    private void Rewind(IConsumer<string, byte[]> consumer)
    {
        var assigned = consumer.Assignment.ToHashSet();
        foreach (var first in _pending.GroupBy(r => r.TopicPartition).Select(g => g.MinBy(r => r.Offset.Value)!))
        {
            if (!assigned.Contains(first.TopicPartition))
                continue;
            try
            {
                consumer.Seek(first.TopicPartitionOffset);
            }
            catch (KafkaException e)
            {
                // Seeking fails only when the partition was just taken away; its next owner starts from the last commit.
                LogCommitFailed(_logger, e.Error.Code, e.Error.Reason);
            }
        }
        _pending.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Persistence consumer started on {Topic} (group {Group})")]
    private static partial void LogStarted(ILogger logger, string topic, string group);

    [LoggerMessage(Level = LogLevel.Information, Message = "Persistence consumer assigned partitions [{Partitions}]")]
    private static partial void LogAssigned(ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Persistence consumer gives up partitions [{Partitions}]; storing the {Pending} records it holds first")]
    private static partial void LogRevoked(ILogger logger, string partitions, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Persistence consumer stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer error {Code}: {Reason}")]
    private static partial void LogConsumerError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} records was not finished; it will be consumed again")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing or seeking offsets failed ({Code}: {Reason}); the records may be delivered again")]
    private static partial void LogCommitFailed(ILogger logger, ErrorCode code, string reason);
}
