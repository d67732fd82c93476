using System.Buffers;

namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>
/// Incremental STOMP 1.2 parser over a <see cref="ReadOnlySequence{T}"/>, shaped for a pipe read loop:
/// on success or on heart-beats it slices what it consumed off the front of the buffer; when the frame is
/// incomplete it returns false and the caller reads more. Malformed input throws <see cref="StompProtocolException"/>.
/// </summary>
public static class StompFrameParser
{
    /// <param name="version">Negotiated version; decides which escapes are legal. CONNECT/STOMP are never unescaped.</param>
    public static bool TryParse(ref ReadOnlySequence<byte> buffer, StompVersion version, in StompParserLimits limits, out StompFrame? frame)
    {
        frame = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!SkipHeartBeats(ref reader))
        {
            buffer = buffer.Slice(reader.Position);
            return false;
        }
        buffer = buffer.Slice(reader.Position);
        if (reader.End) return false;

        var start = reader.Consumed;
        if (!TryReadLine(ref reader, limits, start, out var commandLine)) return false;
        if (!StompCommands.TryParse(commandLine, out var command))
        {
            throw new StompProtocolException(commandLine.IsEmpty ? "Empty command" : "Unknown command");
        }

        var escaping = command.UsesEscaping() ? version : (StompVersion?)null;
        var headers = new List<KeyValuePair<string, string>>(4); // most client frames carry at most four headers
        long contentLength = -1;
        while (true)
        {
            if (!TryReadLine(ref reader, limits, start, out var line)) return false;
            if (line.IsEmpty) break;
            if (headers.Count == limits.MaxHeaders) throw new StompProtocolException("Too many headers");
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) throw new StompProtocolException(colon == 0 ? "Empty header name" : "Header without a colon");
            var name = StompHeaderCodec.Decode(line[..colon], escaping);
            var value = StompHeaderCodec.Decode(line[(colon + 1)..], escaping);
            // Repeated headers: the first one wins, so only the first content-length counts.
            if (contentLength < 0 && name == "content-length") contentLength = ParseContentLength(value, limits);
            headers.Add(new(name, value));
        }

        ReadOnlySequence<byte> body;
        if (contentLength >= 0)
        {
            if (reader.Remaining < contentLength + 1)
            {
                CheckSize(reader.Consumed - start + contentLength + 1, limits);
                return false;
            }
            body = reader.UnreadSequence.Slice(0, contentLength);
            reader.Advance(contentLength);
            if (!reader.TryRead(out var terminator) || terminator != 0)
            {
                throw new StompProtocolException("Body longer than content-length (no NUL after it)");
            }
        }
        else if (!reader.TryReadTo(out body, (byte)0))
        {
            CheckSize(reader.Consumed - start + reader.Remaining, limits);
            return false;
        }

        CheckSize(reader.Consumed - start, limits);
        if (!body.IsEmpty && !command.MayHaveBody()) throw new StompProtocolException($"{command.Name()} frames must not have a body");
        frame = new StompFrame(command, headers, body.IsEmpty ? ReadOnlyMemory<byte>.Empty : body.ToArray());
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>Skips EOLs between frames (heart-beats); false if a lone CR is the last byte seen so far.</summary>
    private static bool SkipHeartBeats(ref SequenceReader<byte> reader)
    {
        while (reader.TryPeek(out var b))
        {
            if (b == (byte)'\n')
            {
                reader.Advance(1);
            }
            else if (b == (byte)'\r')
            {
                if (!reader.TryPeek(1, out var next)) return false;
                if (next != (byte)'\n') throw new StompProtocolException("CR not followed by LF");
                reader.Advance(2);
            }
            else
            {
                break;
            }
        }
        return true;
    }

    /// <summary>Reads one LF- or CRLF-terminated line as a span (copied only when it spans segments).</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, in StompParserLimits limits, long frameStart, out ReadOnlySpan<byte> line)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> sequence, (byte)'\n'))
        {
            line = default;
            if (reader.UnreadSequence.PositionOf((byte)0) is not null) throw new StompProtocolException("NUL inside frame headers");
            if (reader.Remaining > limits.MaxHeaderLineLength) throw new StompProtocolException("Header line too long");
            CheckSize(reader.Consumed - frameStart + reader.Remaining, limits);
            return false;
        }
        if (sequence.Length > limits.MaxHeaderLineLength) throw new StompProtocolException("Header line too long");
        line = sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray();
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (line.IndexOf((byte)'\r') >= 0) throw new StompProtocolException("CR inside a header line");
        if (line.IndexOf((byte)0) >= 0) throw new StompProtocolException("NUL inside frame headers");
        return true;
    }

    private static long ParseContentLength(string value, in StompParserLimits limits)
    {
        if (value.Length == 0 || !long.TryParse(value, System.Globalization.NumberStyles.None, null, out var length))
        {
            throw new StompProtocolException("Invalid content-length");
        }
        if (length > limits.MaxFrameSize) throw new StompProtocolException("Frame too large");
        return length;
    }

    private static void CheckSize(long frameBytes, in StompParserLimits limits)
    {
        if (frameBytes > limits.MaxFrameSize) throw new StompProtocolException("Frame too large");
    }
}
