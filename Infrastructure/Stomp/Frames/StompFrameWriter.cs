using System.Buffers;
using System.Buffers.Text;

namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>
/// Encodes frames to an <see cref="IBufferWriter{T}"/>. The pieces are public so the broker can encode the part of a
/// MESSAGE shared by all subscribers once and prepend only the per-subscriber lines.
/// </summary>
public static class StompFrameWriter
{
    public static void Write(IBufferWriter<byte> output, StompFrame frame) =>
        Write(output, frame.Command, frame.Headers, frame.Body.Span);

    /// <summary>Writes a whole frame. A content-length header is added for any body; one passed in is ignored.</summary>
    public static void Write(IBufferWriter<byte> output, StompCommand command, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        WriteCommand(output, command);
        var escape = command.UsesEscaping();
        foreach (var header in headers)
        {
            if (header.Key == "content-length") continue;
            WriteHeader(output, header.Key, header.Value, escape);
        }
        WriteBody(output, body, command.MayHaveBody());
    }

    public static void WriteCommand(IBufferWriter<byte> output, StompCommand command) => WriteLine(output, command.Utf8Name());

    public static void WriteHeader(IBufferWriter<byte> output, string name, string value, bool escape = true)
    {
        StompHeaderCodec.Encode(output, name, escape);
        WriteRaw(output, ":"u8);
        StompHeaderCodec.Encode(output, value, escape);
        WriteRaw(output, "\n"u8);
    }

    /// <summary>Writes a header whose name and value are known not to need escaping (e.g. numbers, our own ids).</summary>
    public static void WriteHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> name, long value)
    {
        WriteRaw(output, name);
        WriteRaw(output, ":"u8);
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
        WriteRaw(output, "\n"u8);
    }

    /// <summary>
    /// Ends the headers and writes the body and NUL. Bodies always get a content-length so that they may hold NUL;
    /// frames that may not have a body get only the blank line and NUL.
    /// </summary>
    public static void WriteBody(IBufferWriter<byte> output, ReadOnlySpan<byte> body, bool mayHaveBody = true)
    {
        if (mayHaveBody && !body.IsEmpty) WriteHeader(output, "content-length"u8, body.Length);
        WriteRaw(output, "\n"u8);
        if (mayHaveBody) WriteRaw(output, body);
        WriteRaw(output, "\0"u8);
    }

    /// <summary>A heart-beat is a single EOL.</summary>
    public static void WriteHeartBeat(IBufferWriter<byte> output) => WriteRaw(output, "\n"u8);

    public static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    private static void WriteLine(IBufferWriter<byte> output, ReadOnlySpan<byte> line)
    {
        WriteRaw(output, line);
        WriteRaw(output, "\n"u8);
    }
}
