using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Shoot.Infrastructure.Sse;

/// <summary>
/// Whose connection a stream is, so it can be closed when access ends: the user's streams for one room
/// (<see cref="RoomId"/> set: the user left it) or all of them (the account is gone).
/// </summary>
public sealed record SseOwner(long UserId, long? RoomId = null);

/// <summary>One Server-Sent Event: its id (the same on every instance, so Last-Event-ID works wherever a client reconnects), name and JSON data.</summary>
public sealed record SseEvent(string Id, string Event, string Data);

/// <summary>
/// The Server-Sent Event streams of this instance, by stream key ("updates:7", "unread:7", "read-count:3:…"). Every
/// instance receives every stream event over the bus, so each keeps the recent events of every stream in a small ring
/// (what Last-Event-ID can resume) and delivers to the connections it holds. Each connection has a bounded queue: a
/// reader that cannot keep up loses its connection (it reconnects with Last-Event-ID) rather than growing memory.
/// </summary>
public sealed class SseHub(TimeProvider clock)
{
    /// <summary>Events kept per stream for Last-Event-ID.</summary>
    public const int RingLength = 50;

    /// <summary>Streams whose last event is older than this are forgotten.</summary>
    public static readonly TimeSpan RingLifetime = TimeSpan.FromMinutes(10);

    private const int ConnectionQueueLength = 256;
    private const int SweepEvery = 1000;
    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private int _published;

    public void Publish(string key, SseEvent sseEvent)
    {
        var stream = _streams.GetOrAdd(key, _ => new Stream());
        Reader[] readers;
        lock (stream)
        {
            stream.Ring.Enqueue(sseEvent);
            while (stream.Ring.Count > RingLength)
                stream.Ring.Dequeue();
            stream.LastEventAt = clock.GetUtcNow();
            readers = [.. stream.Readers];
        }
        foreach (var reader in readers)
        {
            if (!reader.Channel.Writer.TryWrite(sseEvent))
                reader.Channel.Writer.TryComplete(new InvalidOperationException("The SSE reader fell too far behind."));
        }
        if (Interlocked.Increment(ref _published) % SweepEvery == 0)
            Sweep();
    }

    /// <summary>
    /// Opens a connection to a stream. Events after <paramref name="lastEventId"/> still in the ring come first (none
    /// when it is unknown or null); then live events. Dispose the result to close.
    /// </summary>
    public SseSubscription Subscribe(string key, string? lastEventId, SseOwner? owner = null)
    {
        var channel = Channel.CreateBounded<SseEvent>(new BoundedChannelOptions(ConnectionQueueLength)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        var stream = _streams.GetOrAdd(key, _ => new Stream());
        lock (stream)
        {
            if (lastEventId is not null)
            {
                var ring = stream.Ring.ToList();
                var at = ring.FindIndex(e => e.Id == lastEventId);
                if (at >= 0)
                {
                    foreach (var missed in ring.Skip(at + 1))
                        channel.Writer.TryWrite(missed);
                }
            }
            stream.Readers.Add(new Reader(channel, owner));
            stream.LastEventAt = clock.GetUtcNow();
        }
        return new SseSubscription(channel.Reader, () =>
        {
            lock (stream)
                stream.Readers.RemoveAll(r => r.Channel == channel);
        });
    }

    /// <summary>
    /// Ends this instance's connections of <paramref name="userId"/>: those for <paramref name="roomId"/>, or with null
    /// all of them. Their writers see the channel complete and end the response. Returns how many were closed.
    /// </summary>
    public int Close(long userId, long? roomId)
    {
        var matching = new List<Reader>();
        foreach (var stream in _streams.Values)
        {
            lock (stream)
                matching.AddRange(stream.Readers.Where(r => r.Owner is { } owner && owner.UserId == userId && (roomId is null || owner.RoomId == roomId)));
        }
        // Completed outside the locks: a completion may run the writer's continuation inline, which removes its reader.
        return matching.Count(r => r.Channel.Writer.TryComplete());
    }

    private void Sweep()
    {
        var cutoff = clock.GetUtcNow() - RingLifetime;
        foreach (var (key, stream) in _streams)
        {
            lock (stream)
            {
                if (stream.Readers.Count == 0 && stream.LastEventAt < cutoff)
                    _streams.TryRemove(KeyValuePair.Create(key, stream));
            }
        }
    }

    private sealed record Reader(Channel<SseEvent> Channel, SseOwner? Owner);

    private sealed class Stream
    {
        public readonly Queue<SseEvent> Ring = new();
        public readonly List<Reader> Readers = [];
        public DateTimeOffset LastEventAt;
    }
}

public sealed class SseSubscription(ChannelReader<SseEvent> events, Action close) : IDisposable
{
    public ChannelReader<SseEvent> Events { get; } = events;

    public void Dispose() => close();
}
