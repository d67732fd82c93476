using Microsoft.Data.Sqlite;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The real store behind a switch that makes its batch writes fail the way a store outage does (SQLite's "disk I/O
/// error"; MongoDB cannot run here, and a real disk cannot be made to fail on cue). Everything else passes through.
/// </summary>
internal sealed class FaultyMessageStore(IMessageStore inner) : IMessageStore
{
    private volatile bool _down;
    private int _refused;

    public bool Down { get => _down; set => _down = value; }

    /// <summary>While set, loading the stored sends (<see cref="SendsSinceAsync"/>) fails too: a store that cannot be read.</summary>
    public bool LoadsFail { get; set; }

    /// <summary>Batch writes refused while down.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public Task SaveBatchAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken = default)
    {
        if (!_down)
            return inner.SaveBatchAsync(messages, cancellationToken);
        Interlocked.Increment(ref _refused);
        throw new SqliteException("SQLite Error 10: 'disk I/O error'.", 10);
    }

    public Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default) => inner.FindAsync(messageId, cancellationToken);
    public Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default) => inner.PageAsync(page, cancellationToken);
    public Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default) => inner.MaxSeqAsync(roomId, cancellationToken);
    public Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        inner.EditTextAsync(messageId, text, at, cancellationToken);
    public Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        inner.SoftDeleteAsync(messageId, at, cancellationToken);
    public Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default) =>
        inner.CountUnreadAsync(roomId, afterSeq, upToSeq, excludeSenderId, cancellationToken);
    public Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default) => inner.DeleteRoomAsync(roomId, cancellationToken);
    public IAsyncEnumerable<StoredSend> SendsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        LoadsFail ? throw new SqliteException("SQLite Error 10: 'disk I/O error'.", 10) : inner.SendsSinceAsync(since, cancellationToken);
}
