using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded pipeline: a message is handed over once its row in the <c>outbox</c> table of <c>messages.db</c> is
/// committed (what SENT_TO_KAFKA means without Kafka), so a crash loses nothing that was accepted.
/// </summary>
public sealed class OutboxPersistencePipeline(MessagesDatabase messages, OutboxSignal signal, TimeProvider time) : IPersistencePipeline
{
    private const int MaxGroup = 1000;

    // Group commit: SQLite has one writer at a time, and a commit costs far more than a row. Whoever holds the writer
    // inserts every row waiting at that moment in one transaction; the others find theirs already written.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly ConcurrentQueue<PendingRow> _waiting = new();

    /// <remarks>
    /// Cancelling stops the wait, not necessarily the write: a row already queued may still be committed by another
    /// caller's group, and is then stored as usual (the same as a cancelled Kafka produce).
    /// </remarks>
    public async Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default)
    {
        var row = new PendingRow(message.Id, message.RoomId, Encoding.UTF8.GetString(PipelineRecord.Encode(message)));
        _waiting.Enqueue(row);
        await _writer.WaitAsync(cancellationToken);
        try
        {
            if (!row.Written.Task.IsCompleted)
                await WriteWaitingAsync();
        }
        finally
        {
            _writer.Release();
        }
        await row.Written.Task;
        signal.Wake();
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
            foreach (var row in group)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO outbox (message_id, room_id, payload, enqueued_at) VALUES (@MessageId, @RoomId, @Payload, @now)",
                    new { row.MessageId, row.RoomId, row.Payload, now }, transaction);
            }
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

/// <summary>Wakes the outbox worker when a row is enqueued, so it neither polls tightly nor waits for its slow poll.</summary>
public sealed class OutboxSignal
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
