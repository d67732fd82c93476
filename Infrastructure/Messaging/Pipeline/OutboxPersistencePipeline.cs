using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Dapper;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded pipeline: a message is handed over once its row in the <c>outbox</c> table of <c>messages.db</c> is
/// committed (what SENT_TO_KAFKA means without Kafka), so a crash loses nothing that was accepted.
/// </summary>
public sealed class OutboxPersistencePipeline(MessagesDatabase messages, OutboxSignal signal, OutboxWriteGate gate, TimeProvider time, MessageTextCodec codec)
    : IPersistencePipeline, ISeqFloorSource
{
    private const int MaxGroup = 1000;

    // Group commit: SQLite has one writer at a time, and a commit costs far more than a row. Whoever gets through the
    // gate inserts every row waiting at that moment in one transaction; the others find theirs already written.
    private readonly ConcurrentQueue<PendingRow> _waiting = new();

    /// <remarks>
    /// Cancelling stops the wait, not necessarily the write: a row already queued may still be committed by another
    /// caller's group, and is then stored as usual (the same as a cancelled Kafka produce).
    /// </remarks>
    public async Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default)
    {
        var row = new PendingRow(message.Id, message.RoomId, Encoding.UTF8.GetString(PipelineRecord.Encode(message, codec)));
        _waiting.Enqueue(row);
        await gate.RunAsync(() => row.Written.Task.IsCompleted ? Task.CompletedTask : WriteWaitingAsync(), cancellationToken);
        await row.Written.Task;
        signal.Wake();
    }

    /// <summary>A local write fails only with the disk or the file, which waiting may fix; no outbox error is the record's own.</summary>
    public bool IsPermanent(Exception exception) => false;

    public Task DeadLetterAsync(StoredMessage message, string reason, CancellationToken cancellationToken = default) =>
        gate.RunAsync(async () =>
        {
            await using var connection = await messages.Sqlite.OpenAsync(cancellationToken);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            // position NULL: SQLite gives the dead letter a fresh one (it never was an outbox row).
            await connection.ExecuteAsync(
                "INSERT INTO outbox_dead (position, message_id, room_id, payload, enqueued_at, reason, failed_at) VALUES (NULL, @Id, @RoomId, @payload, @now, @reason, @now)",
                new { message.Id, message.RoomId, payload = Encoding.UTF8.GetString(PipelineRecord.Encode(message, codec)), now, reason });
        }, cancellationToken);

    /// <summary>Rows not drained yet hold seqs the store does not have; after a restart, a room's counter starts above them.</summary>
    public async Task<long> HighestSeqAsync(long roomId, CancellationToken cancellationToken)
    {
        await using var connection = await messages.Sqlite.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(json_extract(payload, '$.seq')) FROM outbox WHERE room_id = @roomId", new { roomId }, cancellationToken: cancellationToken)) ?? 0;
    }

    private async Task WriteWaitingAsync()
    {
        var group = new List<PendingRow>();
        while (group.Count < MaxGroup && _waiting.TryDequeue(out var next))
            group.Add(next);
        try
        {
            await using var connection = await messages.Sqlite.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await using var insert = new RepeatedStatement(connection, transaction,
                "INSERT INTO outbox (message_id, room_id, payload, enqueued_at) VALUES (@messageId, @roomId, @payload, @now)",
                "@messageId", "@roomId", "@payload", "@now");
            foreach (var row in group)
                await insert.Bind(0, row.MessageId).Bind(1, row.RoomId).Bind(2, row.Payload).Bind(3, now).ExecuteAsync();
            await transaction.CommitAsync();
            foreach (var row in group)
                row.Written.TrySetResult();
        }
        catch (Exception e)
        {
            foreach (var row in group)
                row.Written.TrySetException(e);
        }
    }

    private sealed record PendingRow(string MessageId, long RoomId, string Payload)
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// Takes turns among this process's writers of messages.db on the pipeline's path (enqueue groups, the worker's store
/// write and its delete): SQLite admits one writer at a time, and a writer that finds it busy polls with sleeps.
/// </summary>
public sealed class OutboxWriteGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task RunAsync(Func<Task> write, CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            await write();
        }
        finally
        {
            _turn.Release();
        }
    }
}

/// <summary>Wakes the outbox worker when a row is enqueued, so it neither polls tightly nor waits for its slow poll.</summary>
public sealed class OutboxSignal : WakeSignal;

/// <summary>Wakes a worker that drains a queue (the outbox, the spill) when a row was added.</summary>
public class WakeSignal
{
    // Capacity one, extra wakes dropped: a wake only means "look again", and one look drains everything there.
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakes.Writer.TryWrite(true);

    /// <summary>Returns when woken or after <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _wakes.Reader.WaitToReadAsync(timer.Token);
            _wakes.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The slow poll came round.
        }
    }
}
