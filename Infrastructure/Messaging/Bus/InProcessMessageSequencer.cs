using System.Collections.Concurrent;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Messaging.Unread;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The embedded sequencer: one lock per room makes dedupe, seq and publish one step, and publishing under that lock
/// makes dispatch order equal seq order. A room's counter starts from the highest seq the store or the outbox holds the
/// first time the room is used after a start.
/// </summary>
public sealed class InProcessMessageSequencer(InProcessEventBus bus, IMessageStore store, TimeProvider clock, IEnumerable<ISeqFloorSource>? floors = null)
    : IMessageSequencer
{
    private readonly ISeqFloorSource[] _floors = floors?.ToArray() ?? [];

    private readonly ConcurrentDictionary<long, RoomState> _rooms = new();
    private readonly ConcurrentDictionary<SendKey, (SendRecord Record, DateTimeOffset Expires)> _sends = new();

    // The dedupe records in the order they expire: the window is one constant, so that is the order they were made in,
    // and a sweep only ever looks at the front. (It used to scan the whole table on every send once the table held
    // 100,000 records, which a busy server reaches within the 24-hour window: every send then cost milliseconds under
    // its room's lock, and throughput collapsed. docs/performance.md, "Fifth profile".)
    private readonly ConcurrentQueue<(SendKey Key, DateTimeOffset Expires)> _expiries = new();
    private readonly Lock _sweepGate = new();

    /// <summary>Dedupe records held (tests).</summary>
    internal int DedupeRecords => _sends.Count;

    public async Task<AcceptOutcome> AcceptAsync(AcceptRequest request, CancellationToken cancellationToken = default)
    {
        var room = await RoomAsync(request.Key.RoomId, cancellationToken);
        var now = clock.GetUtcNow();
        SweepExpired(now);
        lock (room.Gate)
        {
            var dedupe = request.Key.TempId is not null;
            if (dedupe && _sends.TryGetValue(request.Key, out var earlier) && earlier.Expires > now)
                return new AcceptOutcome(true, earlier.Record with { Status = MessageSequencerDefaults.Visible(earlier.Record.Status) });

            var seq = ++room.Seq;
            room.RecordOwn(request.Key.SenderId, seq);
            var payload = request.PayloadBeforeSeq + seq + request.PayloadAfterSeq;
            room.Ring.Enqueue(new SequencedPayload(seq, payload));
            while (room.Ring.Count > MessageSequencerDefaults.RingLength)
                room.Ring.Dequeue();
            var record = new SendRecord(request.MessageId, seq, "SENDING");
            if (dedupe)
            {
                var expires = now + MessageSequencerDefaults.DedupeWindow;
                _sends[request.Key] = (record with { Status = MessageSequencerDefaults.Accepted }, expires);
                _expiries.Enqueue((request.Key, expires));
            }
            bus.Publish(new BusEvent(request.Destination, payload, Seq: seq));
            return new AcceptOutcome(false, record);
        }
    }

    public Task<IReadOnlyList<SequencedPayload>> RecentAsync(long roomId, long afterSeq, CancellationToken cancellationToken = default)
    {
        if (!_rooms.TryGetValue(roomId, out var room))
            return Task.FromResult<IReadOnlyList<SequencedPayload>>([]);
        lock (room.Gate)
            return Task.FromResult<IReadOnlyList<SequencedPayload>>(room.Ring.Where(m => m.Seq > afterSeq).ToList());
    }

    public Task<SequencedPayload?> LatestAsync(long roomId, CancellationToken cancellationToken = default)
    {
        if (!_rooms.TryGetValue(roomId, out var room))
            return Task.FromResult<SequencedPayload?>(null);
        lock (room.Gate)
            return Task.FromResult(room.Ring.Count == 0 ? null : room.Ring.Last());
    }

    /// <summary>
    /// A room's state, its counter started from the store's highest seq the first time the room is used after a start
    /// (that seq is also where the room's unread ledger starts: see <see cref="Unread.IUnreadLedger"/>).
    /// </summary>
    internal async Task<RoomState> RoomAsync(long roomId, CancellationToken cancellationToken)
    {
        var room = _rooms.GetOrAdd(roomId, _ => new RoomState());
        if (!room.Initialized)
        {
            var floor = await SeqFloors.HighestAsync(store, _floors, roomId, cancellationToken);
            lock (room.Gate)
            {
                if (!room.Initialized)
                {
                    room.Seq = Math.Max(room.Seq, floor);
                    room.Base = room.Seq;
                    room.Initialized = true;
                }
            }
        }
        return room;
    }

    public Task<bool> AdvanceStatusAsync(SendKey key, SendRecord record, BusEvent statusEvent, CancellationToken cancellationToken = default)
    {
        // The room's lock orders this against the accept that published the message and against other statuses.
        var room = _rooms.GetOrAdd(key.RoomId, _ => new RoomState());
        lock (room.Gate)
        {
            if (key.TempId is not null)
            {
                if (_sends.TryGetValue(key, out var current))
                {
                    if (MessageSequencerDefaults.RankOf(record.Status) <= MessageSequencerDefaults.RankOf(current.Record.Status))
                        return Task.FromResult(false);
                    _sends[key] = (record, current.Expires);
                }
            }
            bus.Publish(statusEvent);
            return Task.FromResult(true);
        }
    }

    /// <summary>
    /// Drops the records whose window has passed, from the front of the expiry queue: nothing to do on most sends, one
    /// record on average otherwise. One sweeper at a time (a send finding another sweeping skips it), so what it peeks at
    /// is what it dequeues. Should the wall clock step back, later records wait behind earlier ones a little longer.
    /// </summary>
    private void SweepExpired(DateTimeOffset now)
    {
        if (!_expiries.TryPeek(out var head) || head.Expires > now || !_sweepGate.TryEnter())
            return;
        try
        {
            while (_expiries.TryPeek(out head) && head.Expires <= now)
            {
                _expiries.TryDequeue(out _);
                // A retry after the window made a new record for the same key, with its own place in the queue: keep it.
                // The remove compares the whole entry, so a status moving on meanwhile is seen, and looked at again.
                while (_sends.TryGetValue(head.Key, out var entry) && entry.Expires <= now && !_sends.TryRemove(KeyValuePair.Create(head.Key, entry)))
                {
                }
            }
        }
        finally
        {
            _sweepGate.Exit();
        }
    }

    /// <summary>One room: its counter, its recent ring and its unread ledger (guarded by <see cref="Gate"/>).</summary>
    internal sealed class RoomState
    {
        public readonly Lock Gate = new();
        public readonly Queue<SequencedPayload> Ring = new();
        public long Seq;
        public volatile bool Initialized;

        /// <summary>Where the ledger starts: seqs up to here are counted by the store.</summary>
        public long Base;

        /// <summary>Each sender's own seqs after the base (trimmed as the sender's position passes them).</summary>
        public readonly Dictionary<long, SeqSet> Own = [];

        /// <summary>Bumped when a message under the base is deleted: readers' store counts under the base are stale then.</summary>
        public long BelowVersion;

        /// <summary>Seqs after the base that will never be unread: FAILED or deleted.</summary>
        public readonly SeqSet Gone = new();

        public void RecordOwn(long senderId, long seq)
        {
            if (!Own.TryGetValue(senderId, out var seqs))
                Own[senderId] = seqs = new SeqSet();
            seqs.Add(seq);
        }
    }
}
