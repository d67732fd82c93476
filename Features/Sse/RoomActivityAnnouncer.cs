using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Unread;

namespace Shoot.Features.Sse;

/// <summary>
/// Announces new messages on the SSE streams as they are accepted, off the sender's path: the send only notes the room
/// (and who sent what), and this loop announces each noted room once however many messages arrived meanwhile. The
/// counts are read when announced, so a coalesced announcement is as exact as one per message.
/// A message that will never be unread — deleted, or FAILED in the pipeline — is taken out of the ledger here and its
/// room announced again, so every participant's count drops.
/// </summary>
public sealed partial class RoomActivityAnnouncer(RoomActivityStreams streams, IUnreadLedger ledger, ILogger<RoomActivityAnnouncer> logger)
    : BackgroundService, IPersistenceObserver
{
    private readonly ConcurrentDictionary<long, Activity> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>A new message was accepted (seq assigned, broadcast).</summary>
    public void Accepted(StoredMessage message) =>
        Note(message.RoomId, activity => activity.Accepted(message));

    /// <summary>A message of the room changed (an edit): its lastMessage may show it, counts did not move.</summary>
    public void Changed(long roomId) => Note(roomId, _ => { });

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
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var roomId in _pending.Keys)
            {
                if (!_pending.TryRemove(roomId, out var activity))
                    continue;
                try
                {
                    LastMessage? latest;
                    Func<long, bool> unreadChanged;
                    lock (activity)
                    {
                        activity.Taken = true;
                        (latest, unreadChanged) = (activity.Latest, activity.UnreadChangedFor());
                    }
                    await streams.AnnounceAsync(roomId, latest, unreadChanged, userIds: null, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogAnnounceFailed(logger, roomId, e);
                }
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing the activity of room {RoomId} on SSE failed")]
    private static partial void LogAnnounceFailed(ILogger logger, long roomId, Exception exception);

    /// <summary>What happened in one room since its last announcement.</summary>
    private sealed class Activity
    {
        private readonly HashSet<long> _senders = [];
        private long _latestSeq;
        private bool _gone;

        /// <summary>Read by the announcing loop: changes from now on belong to a new activity.</summary>
        public bool Taken { get; set; }

        /// <summary>The newest message accepted, by seq; null when only deletes or failures happened.</summary>
        public LastMessage? Latest { get; private set; }

        public void Accepted(StoredMessage message)
        {
            _senders.Add(message.SenderId);
            if (message.Seq > _latestSeq)
            {
                _latestSeq = message.Seq;
                Latest = new LastMessage(message.Id, message.Text, message.SenderId, message.CreatedAt);
            }
        }

        public void Gone() => _gone = true;

        /// <summary>
        /// Whose count may have changed: everyone's after a delete or a failure; after new messages, everyone's but a
        /// sender's when only their own came; after edits alone, nobody's.
        /// </summary>
        public Func<long, bool> UnreadChangedFor()
        {
            if (_gone)
                return _ => true;
            if (_senders.Count == 0)
                return _ => false;
            var onlySender = _senders.Count == 1 ? _senders.First() : (long?)null;
            return userId => userId != onlySender;
        }
    }
}
