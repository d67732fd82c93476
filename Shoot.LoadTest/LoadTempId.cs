using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;

namespace Shoot.LoadTest;

/// <summary>
/// The tempId every load message carries: <c>lt-{client}-{sequence}-{ticks}</c>. The ticks are the sender's
/// <see cref="Stopwatch.GetTimestamp"/> at send time; all clients live in one process, so receivers compare them with
/// their own Stopwatch reading (monotonic, unaffected by wall-clock steps). The server echoes tempId in every Message, which
/// is why the stamp goes there rather than into the text (the text stays free for padding).
/// Kept as numbers, not the string: a receiver decodes it straight from the frame's bytes, so a delivery allocates nothing
/// (at 100,000 deliveries/s the tool's own garbage collections would otherwise show up in the latencies it measures).
/// </summary>
public readonly record struct LoadTempId(int Client, long Sequence, long SentTicks)
{
    private const string Prefix = "lt";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}-{Client}-{Sequence}-{SentTicks}");

    public static bool TryParse(string? text, out LoadTempId tempId)
    {
        tempId = default;
        return text is not null && TryParse(System.Text.Encoding.UTF8.GetBytes(text), out tempId);
    }

    /// <summary>Parses the UTF-8 form; false for anything that is not exactly <c>lt-{int}-{long}-{long}</c> (foreign tempIds).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out LoadTempId tempId)
    {
        tempId = default;
        if (!utf8.StartsWith("lt-"u8)) return false;
        var rest = utf8[3..];
        if (!TryTakeNumber(ref rest, out var client, last: false) || client > int.MaxValue
            || !TryTakeNumber(ref rest, out var sequence, last: false)
            || !TryTakeNumber(ref rest, out var ticks, last: true)) return false;
        tempId = new LoadTempId((int)client, sequence, ticks);
        return true;
    }

    /// <summary>Digits only (no sign), followed by '-' unless <paramref name="last"/>, in which case by nothing.</summary>
    private static bool TryTakeNumber(ref ReadOnlySpan<byte> rest, out long value, bool last)
    {
        value = 0;
        var end = last ? rest.Length : rest.IndexOf((byte)'-');
        if (end <= 0 || rest[..end].ContainsAnyExceptInRange((byte)'0', (byte)'9')) return false;
        if (!Utf8Parser.TryParse(rest[..end], out value, out var consumed) || consumed != end) return false;
        rest = last ? [] : rest[(end + 1)..];
        return true;
    }
}
