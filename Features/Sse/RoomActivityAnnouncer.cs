using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Coordination;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Sse;

/// <summary>
/// Announces what changes unread counts on the SSE streams (<see cref="RoomActivityStreams"/>), off the callers' paths:
/// a send, a read, a delete only note the room, and this loop announces each noted room once however much happened
/// meanwhile, with the counts of that moment (so a coalesced announcement is as exact as one per change).
/// <para>
/// Rooms are announced in turns across instances (<see cref="ITurnGate"/>): counts are read when an announcement
/// starts, so two instances announcing one room at once could deliver the older counts last and a badge would go
/// back. An instance that finds the room's turn taken leaves it to the holder, which announces once more, for everyone.
/// </para>
/// <para>
/// The loop makes at most one pass per <see cref="SseOptions.AnnounceWindow"/>: activity after a quiet spell is
/// announced at once, activity within the window of the last pass waits for the window's end. An announcement costs
/// one event per participant (two for those who get <c>unread</c>), so a busy room is announced once per window rather
/// than once per message, and that cost stops growing with the room's message rate.
/// </para>
/// A message that will never be unread — deleted, or FAILED in the pipeline — is taken out of the ledger here first.
/// </summary>
public sealed partial class RoomActivityAnnouncer(
    RoomActivityStreams streams, IUnreadLedger ledger, ITurnGate turns, IOptions<SseOptions> options, ILogger<RoomActivityAnnouncer> logger)
    : BackgroundService, IPersistenceObserver
{
    private readonly ConcurrentDictionary<long, Activity> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>A new message was accepted (seq assigned, broadcast).</summary>
    public void Accepted(StoredMessage message) => Note(message.RoomId, activity => activity.Sent(message.SenderId));

    /// <summary>A reader's position moved: they get their count.</summary>
    public void ReaderMoved(long roomId, long userId) => Note(roomId, activity => activity.Read(userId));

    /// <summary>A message of the room changed (an edit): its lastMessage may show it, counts did not move.</summary>
    public void Changed(long roomId) => Note(roomId, activity => activity.Change());

    /// <summary>A message was deleted, or failed for good: it counts as unread for nobody any more.</summary>
    public async Task GoneAsync(StoredMessage message, CancellationToken ct)
    {
        await ledger.MarkGoneAsync(message.RoomId, message.Seq, message.SenderId, ct);
        Note(message.RoomId, activity => activity.Gone());
    }

    public ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct) => ValueTask.CompletedTask;

    public async ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken ct) => await GoneAsync(message, ct);

    private void Note(long roomId, Action<Activity> change)
    {
        while (true)
        {
            var activity = _pending.GetOrAdd(roomId, _ => new Activity());
            lock (activity)
            {
                // Taken by the loop between GetOrAdd and here: its announcement may have been read already, so start a new one.
                if (activity.Taken)
                    continue;
                change(activity);
                break;
            }
        }
        _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan? lastPass = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(stoppingToken);
                // At most one pass per window: the first activity after a quiet spell goes out at once, what follows
                // within the window waits for the window's end and goes out together.
                var wait = lastPass is { } last ? last + options.Value.AnnounceWindow - Elapsed() : TimeSpan.Zero;
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Every note released the semaphore once; what they noted is announced now, so their wake-ups are spent.
            // A note after this releases again and gets its own turn.
            while (_wake.Wait(0))
            {
            }
            lastPass = Elapsed();
            foreach (var roomId in _pending.Keys)
            {
                if (!_pending.TryRemove(roomId, out var activity))
                    continue;
                Announcement announcement;
                lock (activity)
                {
                    activity.Taken = true;
                    announcement = activity.ToAnnouncement();
                }
                await AnnounceInTurnAsync(roomId, announcement, stoppingToken);
            }
        }
    }

    private async Task AnnounceInTurnAsync(long roomId, Announcement announcement, CancellationToken ct)
    {
        var turn = $"announce:{roomId}";
        try
        {
            if (!await turns.TryEnterAsync(turn, ct))
                return; // the holder goes again, for everyone
            do
            {
                try
                {
                    await streams.AnnounceAsync(roomId, announcement.UserIds, announcement.UnreadFor, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    LogAnnounceFailed(logger, roomId, e);
                }
                // Another instance asked meanwhile; what it had is unknown here, so tell everyone everything.
                announcement = Announcement.Everyone;
            }
            while (await turns.LeaveAsync(turn, ct));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogAnnounceFailed(logger, roomId, e);
        }
    }

    private static TimeSpan Elapsed() => TimeSpan.FromMilliseconds(Environment.TickCount64);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing the activity of room {RoomId} on SSE failed")]
    private static partial void LogAnnounceFailed(ILogger logger, long roomId, Exception exception);

    /// <summary>Who to tell (null: every participant) and who gets <c>unread</c> besides <c>room-update</c>.</summary>
    private sealed record Announcement(IReadOnlyCollection<long>? UserIds, Func<long, bool> UnreadFor)
    {
        public static readonly Announcement Everyone = new(null, _ => true);
    }

    /// <summary>What happened in one room since its last announcement.</summary>
    private sealed class Activity
    {
        private readonly HashSet<long> _senders = [];
        private readonly HashSet<long> _readers = [];
        private bool _gone;
        private bool _changed;

        /// <summary>Read by the announcing loop: changes from now on belong to a new activity.</summary>
        public bool Taken { get; set; }

        public void Sent(long senderId) => _senders.Add(senderId);

        public void Read(long userId) => _readers.Add(userId);

        public void Gone() => _gone = true;

        public void Change() => _changed = true;

        /// <summary>
        /// New messages, deletes and failures concern everyone (an edit too, for the lastMessage): all get
        /// <c>room-update</c>; <c>unread</c> goes to everyone after a delete or failure, after new messages to everyone
        /// but a sender whose own messages were all that came, and always to readers whose position moved. Reads alone
        /// concern only the readers.
        /// </summary>
        public Announcement ToAnnouncement()
        {
            var readers = _readers.ToHashSet();
            if (!_gone && !_changed && _senders.Count == 0)
                return new Announcement(readers, _ => true);
            if (_gone)
                return Announcement.Everyone;
            var onlySender = _senders.Count == 1 ? _senders.First() : (long?)null;
            var anyMessage = _senders.Count > 0;
            return new Announcement(null, userId => readers.Contains(userId) || (anyMessage && userId != onlySender));
        }
    }
}
