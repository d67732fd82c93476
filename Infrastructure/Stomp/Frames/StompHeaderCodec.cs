using System.Buffers;
using System.Text;

namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>Header escaping (STOMP 1.2 "Value Encoding"): \r \n \c \\ and nothing else.</summary>
public static class StompHeaderCodec
{
    // Strict: a header that is not UTF-8 is a protocol error, not something to paper over with U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create("\\\r\n:");

    /// <summary>Decodes a header name or value; <paramref name="version"/> null means no escaping (CONNECT/CONNECTED).</summary>
    public static string Decode(ReadOnlySpan<byte> raw, StompVersion? version)
    {
        var backslash = version is null or StompVersion.V10 ? -1 : raw.IndexOf((byte)'\\');
        if (backslash < 0) return Utf8(raw);

        var rented = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var b = raw[i];
                if (b != (byte)'\\')
                {
                    rented[length++] = b;
                    continue;
                }
                if (++i == raw.Length) throw new StompProtocolException("Header ends in an incomplete escape");
                rented[length++] = raw[i] switch
                {
                    (byte)'n' => (byte)'\n',
                    (byte)'c' => (byte)':',
                    (byte)'\\' => (byte)'\\',
                    // \r was added in 1.2; a 1.1 peer sending it is as wrong as any unknown escape.
                    (byte)'r' when version == StompVersion.V12 => (byte)'\r',
                    _ => throw new StompProtocolException("Undefined escape sequence in header"),
                };
            }
            return Utf8(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        var known = KnownHeader(bytes);
        if (known is not null) return known;
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new StompProtocolException("Header is not valid UTF-8");
        }
    }

    // Interning the common names (and a few common values) saves an allocation per header on the inbound hot path.
    private static string? KnownHeader(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        3 when bytes.SequenceEqual("1.2"u8) => "1.2",
        6 when bytes.SequenceEqual("client"u8) => "client",
        10 when bytes.SequenceEqual("text/plain"u8) => "text/plain",
        16 when bytes.SequenceEqual("application/json"u8) => "application/json",
        17 when bytes.SequenceEqual("client-individual"u8) => "client-individual",
        2 when bytes.SequenceEqual("id"u8) => "id",
        3 when bytes.SequenceEqual("ack"u8) => "ack",
        4 when bytes.SequenceEqual("host"u8) => "host",
        4 when bytes.SequenceEqual("auto"u8) => "auto",
        7 when bytes.SequenceEqual("receipt"u8) => "receipt",
        10 when bytes.SequenceEqual("heart-beat"u8) => "heart-beat",
        11 when bytes.SequenceEqual("destination"u8) => "destination",
        11 when bytes.SequenceEqual("transaction"u8) => "transaction",
        12 when bytes.SequenceEqual("content-type"u8) => "content-type",
        12 when bytes.SequenceEqual("subscription"u8) => "subscription",
        14 when bytes.SequenceEqual("content-length"u8) => "content-length",
        14 when bytes.SequenceEqual("accept-version"u8) => "accept-version",
        _ => null,
    };

    /// <summary>Writes a header name or value as UTF-8, escaping when <paramref name="escape"/> is set.</summary>
    public static void Encode(IBufferWriter<byte> output, string text, bool escape)
    {
        if (!escape || text.AsSpan().IndexOfAny(NeedsEscape) < 0)
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            output.Advance(Encoding.UTF8.GetBytes(text, span));
            return;
        }
        foreach (var rune in text.EnumerateRunes())
        {
            ReadOnlySpan<byte> escaped = rune.Value switch
            {
                '\\' => "\\\\"u8,
                '\r' => "\\r"u8,
                '\n' => "\\n"u8,
                ':' => "\\c"u8,
                _ => default,
            };
            var span = output.GetSpan(4);
            if (escaped.IsEmpty)
            {
                output.Advance(rune.EncodeToUtf8(span));
            }
            else
            {
                escaped.CopyTo(span);
                output.Advance(escaped.Length);
            }
        }
    }
}
