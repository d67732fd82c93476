using System.Text;
using System.Threading.Channels;
using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The embedded pipeline: a message is handed over once its row in the <c>outbox</c> table of <c>messages.db</c> is
/// committed (what SENT_TO_KAFKA means without Kafka), so a crash loses nothing that was accepted.
/// </summary>
public sealed class OutboxPersistencePipeline(OutboxDatabase outbox, OutboxSignal signal, TimeProvider time) : IPersistencePipeline
{
    // One writer at a time in this process: SQLite serialises writers anyway, and waiting here is cheaper than
    // Microsoft.Data.Sqlite's sleep-and-retry on a busy database.
    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default)
    {
        var payload = Encoding.UTF8.GetString(PipelineRecord.Encode(message));
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await outbox.Database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync(
                "INSERT INTO outbox (message_id, room_id, payload, enqueued_at) VALUES (@Id, @RoomId, @payload, @now)",
                new { message.Id, message.RoomId, payload, now = time.GetUtcNow().ToUnixTimeMilliseconds() });
        }
        finally
        {
            _writer.Release();
        }
        signal.Wake();
    }
}

/// <summary>The SQLite file that holds the outbox: the embedded message store's <c>messages.db</c>.</summary>
public sealed class OutboxDatabase(ISqlDatabase database)
{
    public ISqlDatabase Database { get; } = database;
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
