using System.Buffers;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

internal sealed partial class StompSession
{
    // Frames are coalesced into one transport message up to this size: fewer syscalls under fan-out bursts,
    // while staying near one socket buffer so a batch never delays the next one much.
    private const int MaxBatchBytes = 64 * 1024;

    private static readonly byte[] HeartBeat = "\n"u8.ToArray();

    private readonly OutboundQueue<Outbound> _outbound;
    // Messages sent on client-ack subscriptions and not yet acknowledged; guarded by _subscriptionsGate. Created with the
    // first one: most sessions subscribe with ack=auto and never need it.
    private Dictionary<long, PendingAck>? _pending;
    private long _nextAckId;
    private long _lastReceived;

    // 1 while a frame's handler runs. The read loop does not read meanwhile, so the client's heart-beats wait unread in
    // the transport; a slow handler (a send waiting out a broker outage) must not make a live client look silent.
    private int _handling;
    private long _lastSent;
    private int _sendInterval;
    private int _receiveInterval;

    /// <summary>A queued frame: an optional per-subscriber prefix (+ ack id) and a payload that may be shared by many sessions.</summary>
    private readonly record struct Outbound(byte[]? Prefix, byte[] Payload, long AckId, bool IsUtf8)
    {
        public static Outbound Control(byte[] frame) => new(null, frame, 0, true);
    }

    private readonly record struct PendingAck(StompSubscription Subscription, string MessageId);

    /// <summary>Called by the broker from any thread. Never blocks: a full queue disconnects the client.</summary>
    internal bool Deliver(StompSubscription subscription, StompEncodedMessage message)
    {
        if (!IsConnected || subscription.Removed) return false;
        long ackId = 0;
        if (subscription.AckMode != StompAckMode.Auto)
        {
            lock (_subscriptionsGate)
            {
                _pending ??= [];
                if (_pending.Count < _server.Options.MaxPendingAcks)
                {
                    ackId = ++_nextAckId;
                    _pending.Add(ackId, new PendingAck(subscription, message.MessageId));
                }
            }
            if (ackId == 0)
            {
                Fail("Too many unacknowledged messages");
                return false;
            }
        }
        return _outbound.TryWrite(new Outbound(subscription.MessagePrefix, message.Shared, ackId, message.IsUtf8)) || DisconnectSlowConsumer();
    }

    private void Enqueue(byte[] controlFrame)
    {
        if (!_outbound.TryWrite(Outbound.Control(controlFrame)) && IsOpen) DisconnectSlowConsumer();
    }

    internal int OutboundCapacity => _server.Options.MaxOutboundQueue;

    /// <returns>false, so callers can return it as "not delivered".</returns>
    internal bool DisconnectSlowConsumer()
    {
        // The queue is full, so an ERROR frame could not be queued either: drop the connection outright.
        if (!TryBeginClose(StompCloseReason.ProtocolError)) return false;
        StompLog.SlowConsumer(_server.Logger, SessionId, _principal?.UserId);
        _outbound.TryComplete();
        _transport.Abort();
        _transport.Input.CancelPendingRead();
        return false;
    }

    private static byte[] Encode(StompCommand command, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body = default)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        StompFrameWriter.Write(buffer, command, headers, body);
        return buffer.WrittenSpan.ToArray();
    }

    /// <returns>true once the queue is complete and everything in it was sent; false if the peer went away first.</returns>
    private async Task<bool> WriteLoopAsync()
    {
        var batch = new PooledBufferWriter();
        try
        {
            while (await _outbound.WaitToReadAsync())
            {
                var isUtf8 = true;
                var frames = 0;
                while (batch.WrittenCount < MaxBatchBytes && _outbound.TryRead(out var item))
                {
                    if (item.Prefix is not null) StompFrameWriter.WriteRaw(batch, item.Prefix);
                    if (item.AckId != 0) StompFrameWriter.WriteHeader(batch, "ack"u8, item.AckId);
                    StompFrameWriter.WriteRaw(batch, item.Payload);
                    isUtf8 &= item.IsUtf8;
                    frames++;
                }
                _server.Metrics?.FramesSent(frames);
                await _transport.SendAsync(batch.WrittenMemory, isUtf8, CancellationToken.None);
                batch.Release();
                Volatile.Write(ref _lastSent, Environment.TickCount64);
            }
            return true;
        }
        catch (Exception ex) when (IsPeerGone(ex))
        {
            // The peer is gone; nothing left to tell it.
            Close(StompCloseReason.Normal);
            _transport.Abort();
            return false;
        }
        finally
        {
            batch.Release();
        }
    }

    /// <summary>
    /// After the read loop has stopped: the queue drains, then the transport closes. Only then, because a transport may
    /// read its input for the client's close reply (the direct WebSocket path has no reader of its own).
    /// </summary>
    private async Task FinishAsync(Task<bool> writing)
    {
        if (!await writing)
            return;
        try
        {
            await _transport.CloseAsync(_closeReason, CancellationToken.None);
        }
        catch (Exception ex) when (IsPeerGone(ex))
        {
            _transport.Abort();
        }
    }

    private static bool IsPeerGone(Exception ex) => ex is IOException or OperationCanceledException or ObjectDisposedException
        or System.Net.WebSockets.WebSocketException or InvalidOperationException;

    // When the session started (for the CONNECT timeout).
    private long _startedAt;

    /// <summary>
    /// The session's deadlines, looked at by the server's <see cref="SessionWatchdog"/>: fails a session that never
    /// connected, whose token expired or whose client fell silent, and queues a heart-beat when one is due. Returns when
    /// to look again, or null once the session is closing.
    /// </summary>
    internal long? CheckDeadlines(long now)
    {
        if (!IsOpen)
            return null;
        var options = _server.Options;
        var state = Volatile.Read(ref _state);
        if (state == Handshaking && now - _startedAt > options.ConnectTimeoutMilliseconds)
        {
            Fail("No CONNECT frame received in time");
        }
        else if (state == Connected && _principal!.ExpiresAt is { } expiry && _server.Time.GetUtcNow() >= expiry)
        {
            Fail("Token expired");
        }
        else if (state == Connected && _receiveInterval > 0 && Volatile.Read(ref _handling) == 0
                 && now - Volatile.Read(ref _lastReceived) > _receiveInterval * options.HeartBeatGraceFactor)
        {
            Fail("Heart-beat timeout: nothing received from the client");
        }
        else if (state == Connected && _sendInterval > 0 && now - Volatile.Read(ref _lastSent) >= _sendInterval)
        {
            // A heart-beat that does not fit in the queue is not needed: a full queue means frames are flowing.
            _outbound.TryWrite(Outbound.Control(HeartBeat));
        }
        return IsOpen ? now + TickMilliseconds() : null;
    }

    /// <summary>Wake often enough to honour the tightest deadline, but no more than once a second once connected.</summary>
    private int TickMilliseconds()
    {
        var tick = 1000;
        if (_sendInterval > 0) tick = Math.Min(tick, _sendInterval / 2);
        if (_receiveInterval > 0) tick = Math.Min(tick, _receiveInterval / 2);
        // Before CONNECTED the negotiated intervals are unknown; wake often so they apply soon after (handshakes are short).
        if (!IsConnected) tick = Math.Min(100, _server.Options.ConnectTimeoutMilliseconds / 2);
        return Math.Max(tick, SessionWatchdog.TickMilliseconds);
    }
}
