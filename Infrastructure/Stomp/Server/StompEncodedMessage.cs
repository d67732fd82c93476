using System.Buffers;
using System.Text.Unicode;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// A MESSAGE encoded once for any number of subscribers. STOMP puts the per-subscriber <c>subscription</c> (and
/// <c>ack</c>) header inside the frame; since header order is free, those lines go first, written per delivery from bytes
/// the subscription precomputed, and everything after them (destination, message-id, content-type, custom headers,
/// body, NUL) is this one shared array. A delivery therefore costs one queue slot and two memcpys, no encoding.
/// The benchmark FanOut vs FanOutEncodingPerSubscriber in Shoot.Benchmarks measures the difference (docs/benchmarks.md).
/// </summary>
public sealed class StompEncodedMessage
{
    private static readonly string MessageIdPrefix = Guid.NewGuid().ToString("N")[..8] + "-";
    private static long s_nextMessageId;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private StompEncodedMessage(string messageId, byte[] shared, bool isUtf8, long? sequence)
    {
        MessageId = messageId;
        Shared = shared;
        IsUtf8 = isUtf8;
        Sequence = sequence;
    }

    public string MessageId { get; }

    /// <summary>
    /// The publisher's ordering number (a room's message seq), if any. Lets a subscription replay history and then drop the
    /// live copies it already replayed (<see cref="StompSubscription.ReplayedThrough"/>). Not sent on the wire.
    /// </summary>
    public long? Sequence { get; }

    /// <summary>Header lines after the per-subscriber ones, the blank line, the body and the NUL.</summary>
    internal byte[] Shared { get; }

    /// <summary>Whether the frame can go out as a WebSocket text message (browsers reject text that is not UTF-8).</summary>
    internal bool IsUtf8 { get; }

    public static StompEncodedMessage Create(
        string destination, ReadOnlySpan<byte> body, string contentType = "application/json",
        IEnumerable<KeyValuePair<string, string>>? headers = null, long? sequence = null)
    {
        var messageId = MessageIdPrefix + Interlocked.Increment(ref s_nextMessageId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(1024);
        scratch.ResetWrittenCount();
        StompFrameWriter.WriteHeader(scratch, "destination", destination);
        StompFrameWriter.WriteHeader(scratch, "message-id", messageId);
        StompFrameWriter.WriteHeader(scratch, "content-type", contentType);
        if (headers is not null)
        {
            foreach (var header in headers)
            {
                if (header.Key is "destination" or "message-id" or "content-type" or "content-length" or "subscription" or "ack") continue;
                StompFrameWriter.WriteHeader(scratch, header.Key, header.Value);
            }
        }
        StompFrameWriter.WriteBody(scratch, body);
        var shared = scratch.WrittenSpan.ToArray();
        if (scratch.Capacity > 256 * 1024) t_scratch = null; // do not pin one huge frame's buffer to the thread
        return new StompEncodedMessage(messageId, shared, Utf8.IsValid(body), sequence);
    }
}
