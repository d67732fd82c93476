using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The sends stored within the dedupe window, for the embedded sequencer, which holds a send's record in memory only
/// until shortly after it is SAVED. A <see cref="StoredSendFilter"/> answers "certainly not stored" for almost every
/// new send without touching the store; the store (its send index) answers the rest: real retries and the filter's
/// rare false positives.
/// <para>
/// After a start the filter is filled from the store's last <see cref="MessageSequencerDefaults.DedupeWindow"/> of sends,
/// in the background, from the first time it is asked; until that is done every lookup goes to the store. A fill that
/// fails (the store down) is tried again on a later lookup, at most every <see cref="FillRetryDelay"/>.
/// </para>
/// </summary>
internal sealed class StoredSends(IMessageStore store, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan FillRetryDelay = TimeSpan.FromSeconds(10);

    private readonly StoredSendFilter _filter = new(MessageSequencerDefaults.DedupeWindow);
    private readonly Lock _fillGate = new();
    private Task? _fill;
    private DateTimeOffset _fillFailedAt = DateTimeOffset.MinValue;
    private volatile bool _filled;

    /// <summary>Bytes held by the filter (tests, measurements).</summary>
    internal long FilterBytes => _filter.Bytes;

    /// <summary>Whether the filter holds everything stored (tests).</summary>
    internal bool Filled => _filled;

    /// <summary>False only when the send is certainly not stored within the window; true means "ask <see cref="FindAsync"/>".</summary>
    public bool MightBeStored(SendKey key)
    {
        if (!_filled)
        {
            StartFill();
            return true;
        }
        return _filter.MightContain(key, clock.GetUtcNow());
    }

    /// <summary>The send is stored (its SAVED is being told).</summary>
    public void Add(SendKey key) => _filter.Add(key, clock.GetUtcNow());

    /// <summary>The send's stored message within the window, or null.</summary>
    public Task<StoredSend?> FindAsync(SendKey key, CancellationToken cancellationToken) =>
        store.FindSendAsync(key.RoomId, key.SenderId, key.TempId!, clock.GetUtcNow() - MessageSequencerDefaults.DedupeWindow, cancellationToken);

    /// <summary>Starts filling the filter from the store unless a fill runs, is done, or failed less than <see cref="FillRetryDelay"/> ago.</summary>
    private void StartFill()
    {
        lock (_fillGate)
        {
            if (_filled || _fill is { IsCompleted: false } || clock.GetUtcNow() - _fillFailedAt < FillRetryDelay)
                return;
            _fill = Task.Run(FillAsync);
        }
    }

    private async Task FillAsync()
    {
        try
        {
            var since = clock.GetUtcNow() - MessageSequencerDefaults.DedupeWindow;
            var count = 0;
            await foreach (var send in store.SendsSinceAsync(since))
            {
                _filter.Add(new SendKey(send.RoomId, send.SenderId, send.TempId), clock.GetUtcNow());
                count++;
            }
            _filled = true;
            logger.LogInformation("Loaded {Count} stored sends of the last {Window} for retries", count, MessageSequencerDefaults.DedupeWindow);
        }
        catch (Exception e)
        {
            lock (_fillGate)
                _fillFailedAt = clock.GetUtcNow();
            logger.LogWarning(e, "Could not load the stored sends for retries; the store answers each retry until this succeeds");
        }
    }
}
