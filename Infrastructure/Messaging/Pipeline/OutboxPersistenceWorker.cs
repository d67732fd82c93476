using System.Data.Common;
using System.Text;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Drains the outbox in insertion order, batch by batch: store (idempotent), then delete the drained rows. A crash
/// between the two repeats an idempotent write; a record the store keeps refusing moves to <c>outbox_dead</c>.
/// </summary>
public sealed partial class OutboxPersistenceWorker : BackgroundService
{
    private readonly MessagesDatabase _messages;
    private readonly OutboxSignal _signal;
    private readonly OutboxWriteGate _gate;
    private readonly OutboxOptions _options;
    private readonly PersistenceBatchProcessor _processor;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxPersistenceWorker> _logger;
    private readonly MessageTextCodec _codec;

    public OutboxPersistenceWorker(MessagesDatabase messages, OutboxSignal signal, OutboxWriteGate gate, IOptions<OutboxOptions> options, IMessageStore store,
        IEnumerable<IPersistenceObserver> observers, TimeProvider time, MessageTextCodec codec, ILogger<OutboxPersistenceWorker> logger)
    {
        _codec = codec;
        _messages = messages;
        _signal = signal;
        _options = options.Value;
        _gate = gate;
        // With the SQLite store, the store's write and the enqueuers' inserts go to the same file: taking turns at the
        // gate is cheaper than SQLite's busy polling, which made enqueues wait up to seconds under load.
        _processor = new PersistenceBatchProcessor(
            (batch, ct) => gate.RunAsync(() => store.SaveBatchAsync(batch, ct), ct), observers, _options, time, logger);
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DrainBatchAsync(stoppingToken))
                {
                }
                failures = 0;
                await _signal.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The outbox itself failed (disk full, file locked too long): the rows stay; look again after a pause.
                LogDrainFailed(_logger, e);
                if (!await PauseAsync(_options.BackoffFor(failures++), stoppingToken))
                    break;
            }
        }
    }

    private async Task<bool> PauseAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <returns>True when a full batch was drained, so more may be waiting.</returns>
    private async Task<bool> DrainBatchAsync(CancellationToken ct)
    {
        List<OutboxRow> rows;
        await using (var connection = await _messages.Sqlite.OpenAsync(ct))
        {
            rows = (await connection.QueryAsync<OutboxRow>(new CommandDefinition(
                "SELECT position AS Position, message_id AS MessageId, room_id AS RoomId, payload AS Payload, enqueued_at AS EnqueuedAt FROM outbox ORDER BY position LIMIT @limit",
                new { limit = _options.BatchSize }, cancellationToken: ct))).AsList();
        }
        if (rows.Count == 0)
            return false;

        var batch = rows.Select(r => PipelineRecord.Decode(Encoding.UTF8.GetBytes(r.Payload), _codec, r.RoomId)).ToList();
        var failed = await _processor.StoreAsync(batch, ct);
        await _gate.RunAsync(() => RemoveDrainedAsync(rows, failed, ct), ct);
        foreach (var (index, reason) in failed)
            await _processor.NotifyFailedAsync(batch[index].Message, reason, ct);
        return rows.Count == _options.BatchSize;
    }

    private async Task RemoveDrainedAsync(List<OutboxRow> rows, IReadOnlyList<(int Index, string Reason)> failed, CancellationToken ct)
    {
        await using var connection = await _messages.Sqlite.OpenAsync(ct);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(ct);
        var failedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (index, reason) in failed)
        {
            var row = rows[index];
            await connection.ExecuteAsync(
                """
                INSERT OR IGNORE INTO outbox_dead (position, message_id, room_id, payload, enqueued_at, reason, failed_at)
                VALUES (@Position, @MessageId, @RoomId, @Payload, @EnqueuedAt, @reason, @failedAt)
                """,
                new { row.Position, row.MessageId, row.RoomId, row.Payload, row.EnqueuedAt, reason, failedAt }, transaction);
        }
        // Rows are taken in position order and inserts are serialised, so every row up to the last one read was read.
        await connection.ExecuteAsync("DELETE FROM outbox WHERE position <= @last", new { last = rows[^1].Position }, transaction);
        await transaction.CommitAsync(ct);
    }

    private sealed record OutboxRow(long Position, string MessageId, long RoomId, string Payload, long EnqueuedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining the outbox failed; trying again")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);
}
