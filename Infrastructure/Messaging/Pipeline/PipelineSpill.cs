using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Where an accepted message waits when Kafka cannot take it in time: table <c>spill</c> of <c>spill.db</c> in the data
/// directory, written with <c>synchronous=FULL</c> so a row is on disk (fsynced) before the hand-off counts it as kept.
/// <see cref="SpillForwarder"/> sends the rows to Kafka when it is back, also after a restart on the same directory.
/// Instances sharing a data directory share the file; a row forwarded by two of them is stored once (the store is
/// idempotent).
/// </summary>
public sealed partial class PipelineSpill : IAsyncDisposable
{
    public const string FileName = "spill.db";

    // A file of its own, not messages.db: it exists only on the Kafka path and holds nothing but this queue, so one
    // idempotent statement is its whole schema. AUTOINCREMENT keeps positions in spill order after deletes.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS spill (
            position   INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT    NOT NULL,
            room_id    INTEGER NOT NULL,
            seq        INTEGER NOT NULL,
            payload    BLOB    NOT NULL,
            spilled_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS spill_room_seq ON spill (room_id, seq);
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<PipelineSpill> _logger;
    private readonly MessageTextCodec _codec;
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WakeSignal _appended = new();
    private readonly Task _writer;
    private long _depth;
    private long _oldestSpilledAt;

    // A count and the appends it may miss take turns: a count read just before a group's commit, and set just after
    // that group was added, lowered the depth below the rows there were (the hand-off reads a depth of 0 as "nothing
    // spilled, produce directly", which must never skip rows still waiting).
    private readonly SemaphoreSlim _counting = new(1, 1);

    public PipelineSpill(IOptions<ShootOptions> shoot, TimeProvider time, MessageTextCodec codec, ILogger<PipelineSpill> logger)
    {
        _codec = codec;
        // FULL: a committed spill row must survive a power cut, not only a process crash.
        _database = new SqliteDatabase(Path.Combine(shoot.Value.ResolveDataDirectory(), FileName), SqliteDurability.Full);
        _time = time;
        _logger = logger;
        using (var connection = _database.OpenAsync().AsTask().GetAwaiter().GetResult())
            connection.Execute(Schema);
        RefreshAsync().GetAwaiter().GetResult();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Messages waiting in the spill (as last counted; every instance sharing the file adds to it).</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>How long the oldest spilled message has waited; zero when the spill is empty.</summary>
    public TimeSpan OldestAge
    {
        get
        {
            var oldest = Interlocked.Read(ref _oldestSpilledAt);
            return Depth == 0 || oldest == 0 ? TimeSpan.Zero : _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(oldest);
        }
    }

    /// <summary>Completes once the message is fsynced in the spill. Concurrent appends share one transaction.</summary>
    public Task AppendAsync(StoredMessage message)
    {
        var pending = new PendingAppend(message);
        if (!_appends.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(PipelineSpill));
        return pending.Written.Task;
    }

    /// <summary>The oldest spilled rows, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SpilledRow>> OldestAsync(int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return (await connection.QueryAsync<SpilledRow>(new CommandDefinition(
            "SELECT position AS Position, room_id AS RoomId, seq AS Seq, payload AS Payload FROM spill ORDER BY position LIMIT @limit",
            new { limit }, cancellationToken: ct))).AsList();
    }

    /// <summary>Removes rows that were forwarded (or dead-lettered).</summary>
    public async Task RemoveAsync(IReadOnlyCollection<long> positions, CancellationToken ct)
    {
        if (positions.Count == 0)
            return;
        await using (var connection = await OpenAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM spill WHERE position IN @positions", new { positions }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        await RefreshAsync(ct);
    }

    /// <summary>The highest seq of a room waiting here (0: none), so a room's lost counter never restarts below it.</summary>
    public async Task<long> MaxSeqAsync(long roomId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM spill WHERE room_id = @roomId", new { roomId }, cancellationToken: ct)) ?? 0;
    }

    /// <summary>Counts the rows again (another instance on the same file may have added or forwarded some).</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _counting.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            var (count, oldest) = await connection.QuerySingleAsync<(long, long?)>(new CommandDefinition(
                "SELECT COUNT(*), MIN(spilled_at) FROM spill", cancellationToken: ct));
            Interlocked.Exchange(ref _depth, count);
            Interlocked.Exchange(ref _oldestSpilledAt, oldest ?? 0);
        }
        finally
        {
            _counting.Release();
        }
    }

    /// <summary>Returns when a row was appended or after <paramref name="timeout"/>.</summary>
    public Task WaitForRowsAsync(TimeSpan timeout, CancellationToken ct) => _appended.WaitAsync(timeout, ct);

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct) => (SqliteConnection)await _database.OpenAsync(ct);

    // One writer: every append waiting when it comes round goes into one fsynced transaction.
    private async Task WriteLoopAsync()
    {
        var group = new List<PendingAppend>();
        while (await _appends.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < 1000 && _appends.Reader.TryRead(out var next))
                group.Add(next);
            Exception? failure = null;
            await _counting.WaitAsync();
            try
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                await using (var connection = await OpenAsync(CancellationToken.None))
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    foreach (var append in group)
                    {
                        var m = append.Message;
                        await connection.ExecuteAsync(
                            "INSERT INTO spill (message_id, room_id, seq, payload, spilled_at) VALUES (@Id, @RoomId, @Seq, @payload, @now)",
                            new { m.Id, m.RoomId, m.Seq, payload = PipelineRecord.Encode(m, _codec), now }, transaction);
                    }
                    await transaction.CommitAsync();
                }
                Interlocked.Add(ref _depth, group.Count);
                Interlocked.CompareExchange(ref _oldestSpilledAt, now, 0);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                _counting.Release();
            }
            if (failure is not null)
            {
                LogSpillFailed(_logger, group.Count, failure);
                foreach (var append in group)
                    append.Written.TrySetException(failure);
                continue;
            }
            foreach (var append in group)
                append.Written.TrySetResult();
            _appended.Wake();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer;
    }

    private sealed record PendingAppend(StoredMessage Message)
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Count} messages to the spill failed")]
    private static partial void LogSpillFailed(ILogger logger, int count, Exception exception);
}

/// <summary>One spilled message as stored: its place in the spill, its room and seq, and the pipeline record.</summary>
public sealed record SpilledRow(long Position, long RoomId, long Seq, byte[] Payload);
