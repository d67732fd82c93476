using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.InteropServices;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The session's input on the direct path: the payload of the client's WebSocket messages, read straight from Kestrel's
/// input pipe and decoded in place. Each data frame's payload is unmasked and moved back over the frame headers before
/// it, so the bytes the session reads are a plain slice of Kestrel's own buffer: no second pipe, no copy into one, and
/// no pump task between the socket and the session (docs/performance.md, "Eleventh profile").
/// <para>
/// Kestrel's buffer, from its start, always holds: decoded payload the session has not consumed (<c>_payload</c>
/// bytes), bytes decoded but not payload (frame headers, control frames: <c>_gap</c>), then bytes not decoded yet (a
/// frame cut by the read). The session's consumed and examined positions fall in the payload; consuming all of it
/// consumes the gap too. Control frames are answered as they are read: a ping with a pong, a close with the closing
/// reply (after which the input ends), a violation with a close carrying its status.
/// </para>
/// <para>
/// The decoding writes into memory that Kestrel's pipe lent for reading; nothing else reads it, and it goes back to
/// the pipe only when consumed.
/// </para>
/// </summary>
internal sealed class WebSocketPayloadReader(PipeReader wire, WebSocketFrameDecoder decoder, IWebSocketControlReplies replies) : PipeReader
{
    // When the gap behind a partly consumed payload has grown this large, the payload is moved up to the undecoded
    // bytes and the gap consumed. Kestrel's pipe lets its buffer grow past its limit while the reader has examined all
    // of it (so a reader waiting for the rest of a frame never deadlocks), and the session's frame-size limit counts
    // only payload: without this, a client sending empty frames after half a STOMP frame would grow the buffer forever.
    internal const int CompactGapAt = 16 * 1024;

    private readonly InPlacePayloadWriter _writer = new();
    private ReadOnlySequence<byte> _buffer;
    private long _skip;     // bytes before the payload already moved out of the way (compaction), consumed with it
    private long _payload;
    private long _gap;
    // The client closed (or broke the protocol): no more payload, though Kestrel's input may not end until we close.
    private bool _ended;
    // A read of Kestrel's input is outstanding (its buffer lent to the session until AdvanceTo).
    private bool _holding;

    /// <summary>Bytes of Kestrel's input held at the last read: payload, gap and undecoded (for tests).</summary>
    internal long Buffered { get; private set; }

    /// <summary>Whether a close frame (or a violation) has been read.</summary>
    public bool HasEnded => _ended;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_ended)
            return new(Ended());
        var pending = wire.ReadAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? Received(pending.Result) : WaitAsync(pending);
    }

    // Split from ReadAsync so that a read whose bytes are already there needs no state machine, and the one an idle
    // session keeps while it waits holds none of the decoding's locals. (It is still 248 bytes, mostly the awaiter of
    // a ValueTask<ReadResult> and the result: docs/performance.md, "Eleventh profile".)
    private async ValueTask<ReadResult> WaitAsync(ValueTask<ReadResult> pending)
    {
        ReadResult read;
        try
        {
            read = await pending;
        }
        catch (IOException)
        {
            // The connection failed (reset by the client): the session sees its input end, as with a clean end.
            _ended = true;
            return new ReadResult(default, false, true);
        }
        return await Received(read);
    }

    private ValueTask<ReadResult> Received(ReadResult read)
    {
        _holding = true;
        var reply = Decode(read.Buffer);
        return reply.Kind == WebSocketFrameKind.NeedMore ? new(Result(read)) : AnswerAsync(reply, read);
    }

    private async ValueTask<ReadResult> AnswerAsync(WebSocketFrame reply, ReadResult read)
    {
        try
        {
            if (reply.Kind == WebSocketFrameKind.Ping)
                await replies.PongAsync(reply.Payload!);
            else
                await replies.AnswerCloseAsync(reply);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone before hearing the answer; what it sent before is still the session's to read.
            _ended = true;
        }
        return Result(read);
    }

    private ReadResult Result(ReadResult read) => new(Payload(), read.IsCanceled && !_ended, read.IsCompleted || _ended);

    public override bool TryRead(out ReadResult result)
    {
        if (_ended)
        {
            result = Ended();
            return true;
        }
        if (!wire.TryRead(out var read))
        {
            result = default;
            return false;
        }
        _holding = true;
        // A control frame read here is not answered (that needs a write); the session never polls, it awaits ReadAsync.
        Decode(read.Buffer);
        result = Result(read);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_holding)
            return; // the result came from no read of Kestrel's (the input had ended): nothing to give back
        _holding = false;
        var payloadStart = _skip;
        var consumedBytes = _buffer.Slice(payloadStart, consumed).Length;
        var examinedAll = _buffer.Slice(payloadStart, examined).Length >= _payload;
        if (consumedBytes >= _payload)
        {
            // All payload read: the gap behind it goes too, and Kestrel keeps only the undecoded bytes.
            consumed = _buffer.GetPosition(payloadStart + _payload + _gap);
            _skip = _payload = _gap = 0;
        }
        else
        {
            _skip = 0;
            _payload -= consumedBytes;
        }
        // Everything the session looked at was all there was: every byte after it is decoded or an incomplete frame.
        wire.AdvanceTo(consumed, examinedAll ? _buffer.End : examined);
        _buffer = default;
    }

    public override void CancelPendingRead() => wire.CancelPendingRead();

    // Kestrel completes its own pipes when the connection ends.
    public override void Complete(Exception? exception = null)
    {
    }

    private ReadOnlySequence<byte> Payload() => _buffer.Slice(_skip, _payload);

    // After a close frame: what the session has not consumed yet, then the end, without waiting for Kestrel's input
    // (the client waits for our close before it ends the connection).
    private ReadResult Ended()
    {
        if (_payload == 0 || !wire.TryRead(out var read))
            return new ReadResult(default, false, true);
        _holding = true;
        _buffer = read.Buffer;
        return new ReadResult(Payload(), false, true);
    }

    /// <summary>Decodes every whole frame after the gap, in place; returns the control frame to answer, if any.</summary>
    private WebSocketFrame Decode(ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        var undecoded = buffer.Slice(_skip + _payload + _gap);
        if (undecoded.IsEmpty)
            return WebSocketFrame.NeedMore;
        _writer.Reset(buffer, buffer.GetPosition(_skip + _payload));
        var reply = WebSocketFrame.NeedMore;
        while (true)
        {
            var frame = decoder.Decode(ref undecoded, _writer);
            if (frame.Kind == WebSocketFrameKind.NeedMore)
                break;
            if (frame.Kind == WebSocketFrameKind.Pong)
                continue;
            reply = frame; // a later ping supersedes an earlier one (RFC 6455 §5.5.3)
            if (frame.Kind is WebSocketFrameKind.Close or WebSocketFrameKind.Violation)
            {
                _ended = true;
                break;
            }
        }
        _payload += _writer.Written;
        _gap = buffer.Length - undecoded.Length - _skip - _payload;
        if (_gap >= CompactGapAt && !_ended)
            Compact();
        Buffered = buffer.Length - _skip;
        return reply;
    }

    /// <summary>Moves the payload up against the undecoded bytes, so the gap before it is consumed with it.</summary>
    private void Compact()
    {
        var payload = _buffer.Slice(_skip, _payload);
        var rented = ArrayPool<byte>.Shared.Rent((int)_payload);
        try
        {
            payload.CopyTo(rented);
            _skip += _gap;
            _gap = 0;
            var target = _buffer.Slice(_skip, _payload);
            var from = 0;
            foreach (var memory in target)
            {
                rented.AsSpan(from, memory.Length).CopyTo(MemoryMarshal.AsMemory(memory).Span);
                from += memory.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Writes payload into the buffer being decoded, from a position before the bytes being read: the span it gives is
    /// the rest of the current segment, so every write is contiguous and the decoder copies piece by piece.
    /// </summary>
    private sealed class InPlacePayloadWriter : IBufferWriter<byte>
    {
        private ReadOnlySequence<byte> _buffer;
        private SequencePosition _position;

        public long Written { get; private set; }

        public void Reset(ReadOnlySequence<byte> buffer, SequencePosition position)
        {
            _buffer = buffer;
            _position = position;
            Written = 0;
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            foreach (var memory in _buffer.Slice(_position))
            {
                if (!memory.IsEmpty)
                    return MemoryMarshal.AsMemory(memory).Span;
            }
            // The write position never passes the bytes being read, so there is always room behind them.
            throw new InvalidOperationException("In-place decoding ran past the bytes it reads.");
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException();

        public void Advance(int count)
        {
            _position = _buffer.GetPosition(count, _position);
            Written += count;
        }
    }
}

/// <summary>The answers a client's control frames need, sent by the transport that owns the connection's output.</summary>
internal interface IWebSocketControlReplies
{
    ValueTask PongAsync(byte[] payload);

    /// <summary>The reply to a close frame (its status echoed) or a violation (its status and reason).</summary>
    ValueTask AnswerCloseAsync(WebSocketFrame frame);
}
