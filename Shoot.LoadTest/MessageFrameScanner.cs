using System.Buffers.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.LoadTest;

/// <summary>
/// Reads a STOMP MESSAGE frame straight out of the receive buffer: its <c>subscription</c> header and its body, as spans,
/// nothing allocated. MESSAGE frames are nearly everything a load client receives (one per delivery), and the full
/// <see cref="StompFrameParser"/> builds a header list, a string per header name and value and a copy of the body for
/// each: at 100,000 deliveries/s that cost the tool a whole core, and the tool's delays show up in the latencies it
/// reports. Anything else (CONNECTED, RECEIPT, ERROR) is left to the full parser.
/// </summary>
public static class MessageFrameScanner
{
    public enum Outcome
    {
        /// <summary>A MESSAGE frame, read whole.</summary>
        Message,

        /// <summary>A MESSAGE frame whose end has not arrived yet: read more.</summary>
        Incomplete,

        /// <summary>Not a MESSAGE frame (or only heart-beats so far): hand the buffer to the full parser.</summary>
        Other,
    }

    /// <param name="length">Bytes the frame takes, heart-beat EOLs before it included (Message only).</param>
    /// <param name="subscription">The raw <c>subscription</c> header value; the load client's ids need no unescaping.</param>
    /// <exception cref="StompProtocolException">The body does not end where <c>content-length</c> says.</exception>
    public static Outcome Scan(ReadOnlySpan<byte> buffer, out int length, out ReadOnlySpan<byte> subscription, out ReadOnlySpan<byte> body)
    {
        length = 0;
        subscription = default;
        body = default;

        var start = 0;
        while (start < buffer.Length && (buffer[start] == (byte)'\n' || buffer[start] == (byte)'\r')) start++;
        var rest = buffer[start..];
        if (!rest.StartsWith("MESSAGE\n"u8) && !rest.StartsWith("MESSAGE\r\n"u8)) return Outcome.Other;
        rest = rest[(rest.IndexOf((byte)'\n') + 1)..];

        var contentLength = -1;
        while (true)
        {
            var eol = rest.IndexOf((byte)'\n');
            if (eol < 0) return Outcome.Incomplete;
            var line = rest[..eol];
            if (line.EndsWith("\r"u8)) line = line[..^1];
            rest = rest[(eol + 1)..];
            if (line.IsEmpty) break;
            // Repeated headers: the first one wins (STOMP 1.2), as in the full parser.
            if (subscription.IsEmpty && line.StartsWith("subscription:"u8)) subscription = line["subscription:".Length..];
            else if (contentLength < 0 && line.StartsWith("content-length:"u8))
            {
                if (!Utf8Parser.TryParse(line["content-length:".Length..], out contentLength, out var used) || used != line.Length - "content-length:".Length || contentLength < 0)
                    throw new StompProtocolException("Invalid content-length");
            }
        }

        int bodyLength;
        if (contentLength >= 0)
        {
            if (rest.Length < contentLength + 1) return Outcome.Incomplete;
            if (rest[contentLength] != 0) throw new StompProtocolException("Body longer than content-length (no NUL after it)");
            bodyLength = contentLength;
        }
        else
        {
            bodyLength = rest.IndexOf((byte)0);
            if (bodyLength < 0) return Outcome.Incomplete;
        }
        body = rest[..bodyLength];
        length = buffer.Length - rest.Length + bodyLength + 1;
        return Outcome.Message;
    }
}
