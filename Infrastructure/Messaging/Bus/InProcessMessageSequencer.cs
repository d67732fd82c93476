using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Messaging.Unread;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The embedded sequencer: one lock per room makes dedupe, seq and publish one step, and publishing under that lock
/// makes dispatch order equal seq order. A room's counter starts from the highest seq the store or the outbox holds the
/// first time the room is used after a start.
/// <para>
/// Dedupe (docs/api.md §8): a send's record (id, seq, status) stays in memory while the send is on its way, and for
/// <see cref="SavedRecordGrace"/> once it is SAVED; a FAILED one (never stored) for the whole
/// <see cref="MessageSequencerDefaults.DedupeWindow"/>. A retry of a send stored earlier is answered through
/// <see cref="StoredSends"/>: an index of the window's stored sends (11 to 22 bytes each) and the store. Memory therefore
/// follows the sends in flight, not the day's traffic: the records used to stay 24 hours each, about 300 bytes a send,
/// 2.6 GB a day at 100 messages a second (docs/performance.md). And a retry of a stored send is answered after a restart too.
/// </para>
/// </summary>
public sealed class InProcessMessageSequencer : IMessageSequencer, IDisposable
{
    /// <summary>
    /// How long a SAVED send's record stays in memory. A retry racing the SAVED, or a status reported twice (a redelivery),
    /// is answered from memory meanwhile; later the store and <see cref="StoredSends"/> answer. Short, because at high rates
    /// these records are most of what the sequencer holds: about 250 bytes a send, so 12 MB at 10,000 messages a second.
    /// </summary>
    public static readonly TimeSpan SavedRecordGrace = TimeSpan.FromSeconds(5);

    /// <summary>How often a timer sweeps, so the records of a burst leave memory when no send follows it.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often the records are scanned for sends that never ended (the safety net: see <see cref="SweepExpired"/>).</summary>
    private static readonly TimeSpan StaleScanInterval = TimeSpan.FromHours(1);

    private readonly InProcessEventBus _bus;
    private readonly IMessageStore _store;
    private readonly TimeProvider _clock;
    private readonly ISeqFloorSource[] _floors;
    private readonly StoredSends _storedSends;

    private readonly ConcurrentDictionary<long, RoomState> _rooms = new();
    private readonly ConcurrentDictionary<SendKey, LiveSend> _sends = new();

    // The records that ended, in the order they expire: each queue's delay is one constant, so that is the order they
    // were put in, and a sweep only ever looks at the fronts. (Scanning the whole table on every send once it was large
    // collapsed throughput under the room locks: docs/performance.md, "Fifth profile".)
    private readonly ConcurrentQueue<(SendKey Key, DateTimeOffset Expires)> _savedExpiries = new();
    private readonly ConcurrentQueue<(SendKey Key, DateTimeOffset Expires)> _failedExpiries = new();
    private readonly Lock _sweepGate = new();
    private long _nextStaleScanTicks;
    private readonly ITimer _sweepTimer;

    /// <summary>The file in the data directory where a graceful stop leaves the stored sends for the next start.</summary>
    public const string StoredSendsSnapshotFile = "stored-sends.snapshot";

    /// <param name="options">Where the data directory is, for the stored sends' snapshot; none without options (tests).</param>
    public InProcessMessageSequencer(InProcessEventBus bus, IMessageStore store, TimeProvider clock, IEnumerable<ISeqFloorSource>? floors = null,
        ILogger<InProcessMessageSequencer>? logger = null, IOptions<Configuration.ShootOptions>? options = null)
    {
        _bus = bus;
        _store = store;
        _clock = clock;
        _floors = floors?.ToArray() ?? [];
        _storedSends = new StoredSends(store, clock, logger ?? (ILogger)NullLogger.Instance,
            options is null ? null : Path.Combine(options.Value.ResolveDataDirectory(), StoredSendsSnapshotFile));
        _nextStaleScanTicks = (clock.GetUtcNow() + StaleScanInterval).UtcTicks;
        _sweepTimer = clock.CreateTimer(_ => SweepExpired(_clock.GetUtcNow()), null, SweepInterval, SweepInterval);
    }

    public void Dispose() => _sweepTimer.Dispose();

    /// <summary>Dedupe records held in memory (tests).</summary>
    internal int DedupeRecords => _sends.Count;

    /// <summary>Which sends are stored: loaded from the store in the background from the server's start (<see cref="BusRegistration"/>).</summary>
    internal StoredSends StoredSends => _storedSends;

    public async Task<AcceptOutcome> AcceptAsync(AcceptRequest request, CancellationToken cancellationToken = default)
    {
        var room = await RoomAsync(request.Key.RoomId, cancellationToken);
        var now = _clock.GetUtcNow();
        SweepExpired(now);
        var key = request.Key;
        var dedupe = key.TempId is not null;
        // Memory first (under the room's lock, so two copies of one send racing each other make one message), then, only if
        // the send may be stored, the store (outside the lock), then the lock again: a record cannot leave memory in between
        // without its send having been added to the stored sends first (it leaves SavedRecordGrace after its SAVED).
        var storeAsked = !dedupe;
        while (true)
        {
            lock (room.Gate)
            {
                if (dedupe && _sends.TryGetValue(key, out var earlier) && earlier.Expires > now)
                    return new AcceptOutcome(true, earlier.Record with { Status = MessageSequencerDefaults.Visible(earlier.Record.Status) });
                if (storeAsked || !_storedSends.MightBeStored(key))
                    return AcceptNew(room, request, now);
            }
            if (await _storedSends.FindAsync(key, cancellationToken) is { } stored)
                return new AcceptOutcome(true, new SendRecord(stored.Id, stored.Seq, "SAVED"));
            storeAsked = true;
        }
    }

    /// <summary>Takes the room's next seq, records the send and publishes it and its SENDING; the caller holds the room's lock.</summary>
    private AcceptOutcome AcceptNew(RoomState room, AcceptRequest request, DateTimeOffset now)
    {
        var seq = ++room.Seq;
        room.RecordOwn(request.Key.SenderId, seq);
        var payload = request.Message.With(seq);
        room.Ring.Enqueue(new SequencedPayload(seq, payload));
        while (room.Ring.Count > MessageSequencerDefaults.RingLength)
            room.Ring.Dequeue();
        var record = new SendRecord(request.MessageId, seq, "SENDING");
        if (request.Key.TempId is not null)
            _sends[request.Key] = new LiveSend(record, now + MessageSequencerDefaults.DedupeWindow);
        _bus.PublishTogether(new BusEvent(request.Message.Destination, payload, Seq: seq), new BusEvent(request.Sending.Destination, request.Sending.With(seq)));
        return new AcceptOutcome(false, record);
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
            var floor = await SeqFloors.HighestAsync(_store, _floors, roomId, cancellationToken);
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

    public async Task<bool> AdvanceStatusAsync(SendKey key, SendRecord record, BusEvent statusEvent, CancellationToken cancellationToken = default)
    {
        // A status before SAVED for a send with no record in memory (it left after the send's SAVED, or the server started
        // since) and already stored: a redelivered pipeline record telling the send's past. Not told again. (A SAVED is told:
        // after a crash between the store's commit and the SAVED, the replay's SAVED is the only one.)
        // Only once the stored sends are loaded: a status never waits for that.
        if (key.TempId is not null && MessageSequencerDefaults.RankOf(record.Status) < MessageSequencerDefaults.RankOf("SAVED")
            && !_sends.ContainsKey(key) && _storedSends.Loaded && _storedSends.MightBeStored(key)
            && await _storedSends.FindAsync(key, cancellationToken) is not null)
            return false;

        // The room's lock orders this against the accept that published the message and against other statuses.
        var room = _rooms.GetOrAdd(key.RoomId, _ => new RoomState());
        var now = _clock.GetUtcNow();
        lock (room.Gate)
        {
            if (key.TempId is not null)
            {
                if (_sends.TryGetValue(key, out var current))
                {
                    if (MessageSequencerDefaults.RankOf(record.Status) <= MessageSequencerDefaults.RankOf(current.Record.Status))
                        return false;
                    _sends[key] = new LiveSend(record, Ended(key, record.Status, now) ?? current.Expires);
                }
                // Before the record can leave memory, so a retry always finds the send in one or the other.
                if (record.Status == "SAVED")
                    _storedSends.Add(key, record.Seq);
            }
            _bus.Publish(statusEvent);
            return true;
        }
    }

    /// <summary>In memory a step costs no round trip, so the steps simply run one after another.</summary>
    public async Task<IReadOnlyList<bool>> AdvanceStatusesAsync(IReadOnlyList<StatusStep> steps, CancellationToken cancellationToken = default)
    {
        var moved = new bool[steps.Count];
        for (var i = 0; i < steps.Count; i++)
            moved[i] = await AdvanceStatusAsync(steps[i].Key, steps[i].Record, steps[i].StatusEvent, cancellationToken);
        return moved;
    }

    /// <summary>When the record of a send that reached <paramref name="status"/> leaves memory, queued; null while it is on its way.</summary>
    private DateTimeOffset? Ended(SendKey key, string status, DateTimeOffset now)
    {
        var (queue, delay) = status switch
        {
            "SAVED" => (_savedExpiries, SavedRecordGrace),
            "FAILED" => (_failedExpiries, MessageSequencerDefaults.DedupeWindow),
            _ => (null, TimeSpan.Zero),
        };
        if (queue is null)
            return null;
        queue.Enqueue((key, now + delay));
        return now + delay;
    }

    /// <summary>
    /// Drops the records whose time has passed, from the fronts of the expiry queues: nothing to do on most sends, one
    /// record on average otherwise. One sweeper at a time (a send finding another sweeping skips it), so what it peeks at
    /// is what it dequeues. Should the wall clock step back, later records wait behind earlier ones a little longer.
    /// Once an hour it also drops records of sends accepted more than a window ago that never reached SAVED or FAILED:
    /// none should exist (every accepted send is handed to the pipeline, which ends it), but memory must not depend on it.
    /// </summary>
    private void SweepExpired(DateTimeOffset now)
    {
        if (!HasExpired(_savedExpiries, now) && !HasExpired(_failedExpiries, now) && now.UtcTicks < Volatile.Read(ref _nextStaleScanTicks))
            return;
        if (!_sweepGate.TryEnter())
            return;
        try
        {
            Drain(_savedExpiries, now);
            Drain(_failedExpiries, now);
            if (now.UtcTicks >= _nextStaleScanTicks)
            {
                Volatile.Write(ref _nextStaleScanTicks, (now + StaleScanInterval).UtcTicks);
                foreach (var entry in _sends)
                {
                    if (entry.Value.Expires <= now)
                        _sends.TryRemove(entry);
                }
            }
        }
        finally
        {
            _sweepGate.Exit();
        }
    }

    private static bool HasExpired(ConcurrentQueue<(SendKey Key, DateTimeOffset Expires)> queue, DateTimeOffset now) =>
        queue.TryPeek(out var head) && head.Expires <= now;

    private void Drain(ConcurrentQueue<(SendKey Key, DateTimeOffset Expires)> queue, DateTimeOffset now)
    {
        while (queue.TryPeek(out var head) && head.Expires <= now)
        {
            queue.TryDequeue(out _);
            // A retry after the window made a new record for the same key, with its own time: keep it. The remove compares
            // the whole entry, so a status moving on meanwhile is seen, and looked at again.
            while (_sends.TryGetValue(head.Key, out var entry) && entry.Expires <= now && !_sends.TryRemove(KeyValuePair.Create(head.Key, entry)))
            {
            }
        }
    }

    /// <summary>A send's record while it is in memory, and when it leaves (a window after its accept while on its way).</summary>
    private readonly record struct LiveSend(SendRecord Record, DateTimeOffset Expires);

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
