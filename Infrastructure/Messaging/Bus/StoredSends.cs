using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The sends stored within the dedupe window, for the embedded sequencer, which holds a send's record in memory only
/// until shortly after it is SAVED. A <see cref="StoredSendIndex"/> in memory (11 to 22 bytes a send) says "certainly
/// not stored" for almost every new send; for the rest (real retries, and rare fingerprint matches) it gives the seq,
/// and the message at that seq, read from the store, is checked to be the send.
/// <para>
/// After a start the index is loaded from the store's last <see cref="MessageSequencerDefaults.DedupeWindow"/> of
/// messages (a range of the primary key), in the background from the server's start (<see cref="StartLoading"/>), or
/// from the first time it is needed. Until that is done a send with a tempId waits for it, at most <see cref="LoadWait"/>;
/// then it is refused as a backend outage (UNAVAILABLE: the client retries with the same tempId), since it cannot be
/// told apart from a retry of a send stored before the start. A load that fails is tried again on a later send, at most
/// every <see cref="LoadRetryDelay"/>. It takes about 3 µs a stored send (docs/performance.md, "Seventh profile").
/// </para>
/// <para>
/// A graceful stop writes the index to the data directory (<see cref="WriteSnapshot"/>); the next start reads it and
/// then only the store's last <see cref="SnapshotOverlap"/> before it, and deletes it, so a start after a crash reads
/// the store's whole window again.
/// </para>
/// </summary>
internal sealed class StoredSends(IMessageStore store, TimeProvider clock, ILogger logger, string? snapshotPath = null)
{
    public static readonly TimeSpan LoadWait = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LoadRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far before a snapshot's time the store is read again after loading it: what the pipeline stored while the
    /// server was stopping, after the snapshot was written, and clocks that disagree a little.
    /// </summary>
    public static readonly TimeSpan SnapshotOverlap = TimeSpan.FromMinutes(1);

    private const int SnapshotVersion = 1;

    private readonly StoredSendIndex _index = new(MessageSequencerDefaults.DedupeWindow);
    private readonly Lock _loadGate = new();
    private Task _load = Task.CompletedTask;
    private DateTimeOffset _loadFailedAt = DateTimeOffset.MinValue;
    private volatile bool _loaded;

    /// <summary>Bytes held by the index (tests, measurements).</summary>
    internal long IndexBytes => _index.Bytes;

    /// <summary>Whether the sends stored before the start are in the index.</summary>
    public bool Loaded => _loaded;

    /// <summary>False only when the send is certainly not stored within the window; true means "ask <see cref="FindAsync"/>".</summary>
    public bool MightBeStored(SendKey key) => !_loaded || _index.MightContain(key, clock.GetUtcNow());

    /// <summary>The send is stored with this seq (its SAVED is being told).</summary>
    public void Add(SendKey key, long seq) => _index.Add(key, seq, clock.GetUtcNow());

    /// <summary>The send's stored message within the window, or null. Throws <see cref="TimeoutException"/> while the index cannot be loaded.</summary>
    public async Task<StoredMessage?> FindAsync(SendKey key, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var since = now - MessageSequencerDefaults.DedupeWindow;
        foreach (var seq in _index.Candidates(key, now))
        {
            var page = await store.PageAsync(new MessagePage(key.RoomId, 1, AfterSeq: seq - 1), cancellationToken);
            if (page is [var message] && message.Seq == seq && message.SenderId == key.SenderId && message.TempId == key.TempId
                && message.CreatedAt >= since)
                return message;
        }
        return null;
    }

    /// <summary>Starts loading the index unless it is loaded, loading, or failed less than <see cref="LoadRetryDelay"/> ago; the load, or a done task.</summary>
    public Task StartLoading()
    {
        lock (_loadGate)
        {
            if (_load.IsCompleted && !_loaded && clock.GetUtcNow() - _loadFailedAt >= LoadRetryDelay)
                _load = Task.Run(LoadAsync, CancellationToken.None);
            return _load;
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
            return;
        try
        {
            await StartLoading().WaitAsync(LoadWait, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        if (!_loaded)
            throw new TimeoutException("The sends stored before this server started are not loaded yet.");
    }

    private async Task LoadAsync()
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var since = clock.GetUtcNow() - MessageSequencerDefaults.DedupeWindow;
            var snapshotAt = ReadSnapshot();
            if (snapshotAt is { } at && at - SnapshotOverlap > since)
                since = at - SnapshotOverlap;
            var count = 0;
            await foreach (var send in store.SendsSinceAsync(since))
            {
                _index.Add(new SendKey(send.RoomId, send.SenderId, send.TempId), send.Seq, clock.GetUtcNow());
                count++;
            }
            _loaded = true;
            logger.LogInformation("Loaded the sends stored in the last {Window}, for retries, in {Elapsed} ms: {Count} read from the store since {Since}"
                + (snapshotAt is null ? "" : ", the rest from the snapshot written at shutdown"),
                MessageSequencerDefaults.DedupeWindow, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, count, since);
        }
        catch (Exception e)
        {
            lock (_loadGate)
                _loadFailedAt = clock.GetUtcNow();
            logger.LogWarning(e, "Could not load the stored sends; sends with a tempId are refused as UNAVAILABLE until this succeeds");
        }
    }

    /// <summary>
    /// Reads the snapshot a graceful stop wrote into the index, and deletes it, so that a later start after a crash never
    /// trusts it (the store is read in full then). Its time, or null when there is none or it cannot be read.
    /// </summary>
    private DateTimeOffset? ReadSnapshot()
    {
        if (snapshotPath is null || !File.Exists(snapshotPath))
            return null;
        try
        {
            using var reader = new BinaryReader(File.OpenRead(snapshotPath));
            if (reader.ReadInt32() != SnapshotVersion)
                throw new InvalidDataException("The snapshot is of another version.");
            var writtenAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            _index.ReadFrom(reader);
            return writtenAt;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not read the stored sends' snapshot {Path}; reading the store's whole window instead", snapshotPath);
            return null;
        }
        finally
        {
            File.Delete(snapshotPath);
        }
    }

    /// <summary>
    /// Writes the index where the next start reads it (<see cref="ReadSnapshot"/>), when it is complete: at a graceful
    /// stop, after the pipeline has stopped. Written beside and renamed, so a stop cut short leaves no half snapshot.
    /// </summary>
    public void WriteSnapshot()
    {
        if (snapshotPath is null || !_loaded)
            return;
        try
        {
            var partial = snapshotPath + ".partial";
            using (var writer = new BinaryWriter(File.Create(partial)))
            {
                writer.Write(SnapshotVersion);
                writer.Write(clock.GetUtcNow().UtcTicks);
                _index.WriteTo(writer);
            }
            File.Move(partial, snapshotPath, overwrite: true);
            logger.LogInformation("Wrote the stored sends' snapshot ({Bytes} bytes of index) to {Path}", _index.Bytes, snapshotPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next start reads the store's whole window instead.
            logger.LogWarning(e, "Could not write the stored sends' snapshot {Path}", snapshotPath);
        }
    }
}
