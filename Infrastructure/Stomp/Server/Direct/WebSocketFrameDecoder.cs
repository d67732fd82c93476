using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Unicode;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The server side of RFC 6455's framing (§5) for frames a client sends: reads whatever bytes have arrived, writes the
/// unmasked payload of data frames to a buffer writer as it comes (a large message is never held whole), and stops at
/// each control frame or violation for the transport to answer. The writer may write into the very bytes being decoded,
/// behind them (<see cref="WebSocketPayloadReader"/> decodes in place): payload is copied in pieces no longer than the
/// writer's span, with an overlapping copy. One decoder per connection; it keeps the state of a frame cut across reads.
/// </summary>
internal sealed class WebSocketFrameDecoder
{
    private const int MaxControlPayload = 125;

    // Bytes left of the current data frame's payload, its mask and where in the mask the next byte falls.
    private long _remaining;
    private uint _mask;
    private int _maskOffset;
    private bool _frameIsFinal;

    // A message (text or binary) has begun and its final frame has not been read.
    private bool _inMessage;
    private readonly Utf8Stream _utf8 = new();

    /// <summary>Whether the latest message began as text (the server answers text with text).</summary>
    public bool LastMessageIsText { get; private set; } = true;

    /// <summary>
    /// Reads frames from <paramref name="buffer"/> (advanced past what was used) until it needs more bytes
    /// (<see cref="WebSocketFrameKind.NeedMore"/>) or reaches a control frame or a violation, which it returns.
    /// </summary>
    public WebSocketFrame Decode(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> payload)
    {
        Span<byte> head = stackalloc byte[14];
        while (true)
        {
            if (_remaining > 0)
            {
                var source = FirstSpan(buffer);
                if (source.IsEmpty)
                    return WebSocketFrame.NeedMore;
                var destination = payload.GetSpan();
                var take = (int)Math.Min(_remaining, Math.Min(source.Length, destination.Length));
                destination = destination[..take];
                // CopyTo is a memmove: decoding in place, the destination is the same memory a few bytes back.
                source[..take].CopyTo(destination);
                Unmask(destination);
                _remaining -= take;
                if (LastMessageIsText && !_utf8.Accept(destination, endOfMessage: _remaining == 0 && _frameIsFinal))
                    return WebSocketFrame.Violation(WebSocketCloseStatus.InvalidPayloadData, "Text is not UTF-8.");
                payload.Advance(take);
                buffer = buffer.Slice(take);
                if (_remaining == 0 && _frameIsFinal)
                    _inMessage = false;
                continue;
            }

            if (buffer.Length < 2)
                return WebSocketFrame.NeedMore;
            var seen = (int)Math.Min(buffer.Length, head.Length);
            buffer.Slice(0, seen).CopyTo(head);
            var final = (head[0] & 0x80) != 0;
            var opcode = head[0] & 0x0F;
            long length = head[1] & 0x7F;
            if ((head[0] & 0x70) != 0)
                return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Reserved bits are set.");
            if ((head[1] & 0x80) == 0)
                return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Client frames must be masked.");
            var lengthBytes = length switch { 126 => 2, 127 => 8, _ => 0 };
            var headerLength = 2 + lengthBytes + 4;
            if (seen < headerLength)
                return WebSocketFrame.NeedMore;
            if (lengthBytes == 2)
                length = BinaryPrimitives.ReadUInt16BigEndian(head[2..]);
            else if (lengthBytes == 8 && (length = (long)BinaryPrimitives.ReadUInt64BigEndian(head[2..])) < 0)
                return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Frame length out of range.");
            var mask = BinaryPrimitives.ReadUInt32LittleEndian(head[(headerLength - 4)..]);

            if (opcode >= 0x8)
            {
                if (opcode > 0xA)
                    return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Unknown opcode.");
                if (!final || length > MaxControlPayload)
                    return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Control frames are whole and at most 125 bytes.");
                if (buffer.Length < headerLength + length)
                    return WebSocketFrame.NeedMore;
                var body = new byte[length];
                buffer.Slice(headerLength, length).CopyTo(body);
                buffer = buffer.Slice(headerLength + length);
                _mask = mask;
                _maskOffset = 0;
                Unmask(body);
                return opcode switch
                {
                    0x8 => WebSocketFrame.CloseFrom(body),
                    0x9 => new WebSocketFrame(WebSocketFrameKind.Ping, body),
                    _ => new WebSocketFrame(WebSocketFrameKind.Pong, body),
                };
            }

            switch (opcode)
            {
                case 0x1 or 0x2 when _inMessage:
                    return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "A new message began inside another.");
                case 0x1 or 0x2:
                    _inMessage = true;
                    LastMessageIsText = opcode == 0x1;
                    break;
                case 0x0 when !_inMessage:
                    return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "A continuation frame without a message.");
                case 0x0:
                    break;
                default:
                    return WebSocketFrame.Violation(WebSocketCloseStatus.ProtocolError, "Unknown opcode.");
            }
            buffer = buffer.Slice(headerLength);
            _remaining = length;
            _mask = mask;
            _maskOffset = 0;
            _frameIsFinal = final;
            if (length == 0 && final)
            {
                _inMessage = false;
                if (LastMessageIsText && !_utf8.Accept([], endOfMessage: true))
                    return WebSocketFrame.Violation(WebSocketCloseStatus.InvalidPayloadData, "Text is not UTF-8.");
            }
        }
    }

    // The first non-empty span (a slice can start at the very end of a segment).
    private static ReadOnlySpan<byte> FirstSpan(in ReadOnlySequence<byte> buffer)
    {
        foreach (var memory in buffer)
        {
            if (!memory.IsEmpty)
                return memory.Span;
        }
        return default;
    }

    private void Unmask(Span<byte> data)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, _mask);
        for (var i = 0; i < data.Length; i++)
            data[i] ^= key[(_maskOffset + i) & 3];
        _maskOffset = (_maskOffset + data.Length) & 3;
    }

    /// <summary>
    /// UTF-8 validation across frame and read boundaries: a sequence cut at the end of a chunk is carried (at most 3
    /// bytes) and checked when the rest arrives.
    /// </summary>
    private sealed class Utf8Stream
    {
        private readonly byte[] _carry = new byte[4];
        private int _carried;

        public bool Accept(ReadOnlySpan<byte> data, bool endOfMessage)
        {
            if (_carried > 0)
            {
                var length = SequenceLength(_carry[0]);
                var take = Math.Min(length - _carried, data.Length);
                data[..take].CopyTo(_carry.AsSpan(_carried));
                _carried += take;
                data = data[take..];
                if (_carried < length)
                    return !endOfMessage;
                var whole = Utf8.IsValid(_carry.AsSpan(0, _carried));
                _carried = 0;
                if (!whole)
                    return false;
            }
            var cut = IncompleteTail(data);
            if (!Utf8.IsValid(data[..^cut]))
                return false;
            data[^cut..].CopyTo(_carry);
            _carried = cut;
            return !endOfMessage || cut == 0;
        }

        // A lead byte's sequence length; a byte that cannot lead counts as 1 (the validator then refuses it).
        private static int SequenceLength(byte lead) => lead switch { >= 0xF0 => 4, >= 0xE0 => 3, >= 0xC0 => 2, _ => 1 };

        // How many bytes at the end begin a sequence that continues past the end (0 when the end is whole).
        private static int IncompleteTail(ReadOnlySpan<byte> data)
        {
            for (var back = 1; back <= Math.Min(3, data.Length); back++)
            {
                var b = data[^back];
                if ((b & 0xC0) == 0x80)
                    continue;
                return SequenceLength(b) > back ? back : 0;
            }
            return 0;
        }
    }
}

internal enum WebSocketFrameKind
{
    /// <summary>Every whole data frame so far is in the payload writer; read more.</summary>
    NeedMore,
    Ping,
    Pong,
    Close,

    /// <summary>The client broke the protocol: close with <see cref="WebSocketFrame.Status"/> and stop reading.</summary>
    Violation,
}

/// <summary>What <see cref="WebSocketFrameDecoder.Decode"/> stopped at.</summary>
internal readonly record struct WebSocketFrame(
    WebSocketFrameKind Kind,
    byte[]? Payload = null,
    WebSocketCloseStatus Status = WebSocketCloseStatus.NormalClosure,
    string Reason = "")
{
    public static readonly WebSocketFrame NeedMore = new(WebSocketFrameKind.NeedMore);

    public static WebSocketFrame Violation(WebSocketCloseStatus status, string reason) => new(WebSocketFrameKind.Violation, null, status, reason);

    /// <summary>A close frame: no body, or a status code (and a UTF-8 reason) that a client may send (RFC 6455 §7.4).</summary>
    public static WebSocketFrame CloseFrom(byte[] body)
    {
        if (body.Length == 0)
            return new(WebSocketFrameKind.Close, body, WebSocketCloseStatus.Empty);
        if (body.Length == 1 || !Utf8.IsValid(body.AsSpan(2)))
            return Violation(WebSocketCloseStatus.ProtocolError, "Malformed close frame.");
        var code = BinaryPrimitives.ReadUInt16BigEndian(body);
        var allowed = code is (>= 1000 and <= 1003) or (>= 1007 and <= 1011) or (>= 3000 and <= 4999);
        return allowed
            ? new(WebSocketFrameKind.Close, body, (WebSocketCloseStatus)code)
            : Violation(WebSocketCloseStatus.ProtocolError, "Close code not allowed.");
    }
}
