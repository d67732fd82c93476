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
/// </summary>
internal sealed class StoredSends(IMessageStore store, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan LoadWait = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LoadRetryDelay = TimeSpan.FromSeconds(5);

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
        var since = clock.GetUtcNow() - MessageSequencerDefaults.DedupeWindow;
        foreach (var seq in _index.Candidates(key, clock.GetUtcNow()))
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
            var since = clock.GetUtcNow() - MessageSequencerDefaults.DedupeWindow;
            var started = Stopwatch.GetTimestamp();
            var count = 0;
            await foreach (var send in store.SendsSinceAsync(since))
            {
                _index.Add(new SendKey(send.RoomId, send.SenderId, send.TempId), send.Seq, clock.GetUtcNow());
                count++;
            }
            _loaded = true;
            logger.LogInformation("Loaded {Count} sends stored in the last {Window}, for retries, in {Elapsed} ms", count,
                MessageSequencerDefaults.DedupeWindow, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            lock (_loadGate)
                _loadFailedAt = clock.GetUtcNow();
            logger.LogWarning(e, "Could not load the stored sends; sends with a tempId are refused as UNAVAILABLE until this succeeds");
        }
    }
}
