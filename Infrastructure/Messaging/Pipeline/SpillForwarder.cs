using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Sends spilled messages to Kafka, oldest first and in seq order within a room, and removes each row once Kafka
/// acknowledged it (SENT_TO_KAFKA is reported then). While Kafka still refuses, the rows stay and the next round comes
/// after <see cref="HandOffOptions.ForwardRetryInterval"/>. It starts with whatever a previous run left in the file.
/// </summary>
public sealed partial class SpillForwarder(
    PipelineSpill spill, IPersistencePipeline pipeline, PersistenceHandOff handOff, IOptions<HandOffOptions> options, MessageTextCodec codec,
    ILogger<SpillForwarder> logger)
    : BackgroundService
{
    private readonly HandOffOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await spill.RefreshAsync(stoppingToken);
                if (spill.Depth == 0)
                {
                    await spill.WaitForRowsAsync(_options.ForwardRetryInterval, stoppingToken);
                    continue;
                }
                if (!await ForwardRoundAsync(stoppingToken))
                    await Task.Delay(_options.ForwardRetryInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
                await Task.Delay(_options.ForwardRetryInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <returns>True when every row of the round was forwarded (so more may follow at once).</returns>
    private async Task<bool> ForwardRoundAsync(CancellationToken ct)
    {
        var rows = await spill.OldestAsync(_options.ForwardBatchSize, ct);
        // Produced in this order, a room's rows go out in seq order: Kafka keeps the order of one key's produces.
        var sends = rows.OrderBy(r => r.RoomId).ThenBy(r => r.Seq)
            .Select(row => (Row: row, Record: PipelineRecord.Decode(row.Payload, codec, row.RoomId)))
            .Select(s => (s.Row, s.Record, Produce: s.Record.IsPoison ? Task.CompletedTask : pipeline.EnqueueAsync(s.Record.Message, CancellationToken.None)))
            .ToList();
        await Task.WhenAll(sends.Select(s => s.Produce)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var done = new List<long>(sends.Count);
        var forwarded = new List<StoredMessage>(sends.Count);
        var refused = new List<(StoredMessage Message, string Reason)>();
        foreach (var (row, record, produce) in sends)
        {
            if (record.IsPoison)
            {
                // Only a damaged file yields an unreadable row; nobody can use it, and it must not block the rest.
                LogUnreadable(logger, row.Position, record.PoisonReason!);
                done.Add(row.Position);
            }
            else if (produce.IsCompletedSuccessfully)
            {
                done.Add(row.Position);
                forwarded.Add(record.Message);
            }
            else if (pipeline.IsPermanent(produce.Exception!.InnerException!))
            {
                done.Add(row.Position);
                refused.Add((record.Message, $"Kafka refused the message for good: {produce.Exception.InnerException!.Message}"));
            }
        }
        foreach (var (message, reason) in refused)
            await pipeline.DeadLetterAsync(message, reason, ct);
        await spill.RemoveAsync(done, ct);
        foreach (var message in forwarded)
            await handOff.NotifyHandedOverAsync(message);
        foreach (var (message, reason) in refused)
            await handOff.NotifyFailedAsync(message, reason);
        if (forwarded.Count > 0)
            LogForwarded(logger, forwarded.Count, spill.Depth);
        return done.Count == sends.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarded {Count} spilled messages to Kafka ({Left} left)")]
    private static partial void LogForwarded(ILogger logger, int count, long left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding the spill failed; trying again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spilled row {Position} is unreadable and was dropped: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, long position, string reason);
}
