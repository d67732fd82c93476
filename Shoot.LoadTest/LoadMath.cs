using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Shoot.LoadTest;

/// <summary>
/// Pure helpers of the load tool, kept apart so Shoot.Tests can check them without a server.
/// </summary>
public static class LoadMath
{
    private const string Prefix = "lt";

    /// <summary>
    /// The tempId every load message carries: <c>lt-{client}-{n}-{ticks}</c>. The ticks are the sender's
    /// <see cref="Stopwatch.GetTimestamp"/> at send time; all clients live in one process, so receivers compare them
    /// with their own Stopwatch reading (monotonic, unaffected by wall-clock steps). The server echoes tempId in every
    /// Message, which is why the stamp goes there rather than into the text (the text stays free for padding).
    /// </summary>
    public static string EncodeTempId(int client, long sequence, long sendTicks) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}-{client}-{sequence}-{sendTicks}");

    public static bool TryDecodeTempId(string? tempId, out int client, out long sequence, out long sendTicks)
    {
        client = 0;
        sequence = 0;
        sendTicks = 0;
        if (tempId is null) return false;
        var parts = tempId.Split('-');
        return parts.Length == 4 && parts[0] == Prefix
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out client)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out sendTicks);
    }

    /// <summary>
    /// The top-level <c>seq</c> and <c>tempId</c> of a Message body, read with one forward pass (nested objects are
    /// skipped); tempId is null when absent or not a string. Throws <see cref="System.Text.Json.JsonException"/> on bad
    /// JSON and <see cref="KeyNotFoundException"/> without seq, as a document lookup would.
    /// </summary>
    public static (long Seq, string? TempId) ReadSeqAndTempId(ReadOnlySpan<byte> body)
    {
        var reader = new System.Text.Json.Utf8JsonReader(body);
        long? seq = null;
        string? tempId = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            var isSeq = reader.ValueTextEquals("seq"u8);
            var isTempId = !isSeq && reader.ValueTextEquals("tempId"u8);
            reader.Read();
            if (isSeq) seq = reader.GetInt64();
            else if (isTempId && reader.TokenType == System.Text.Json.JsonTokenType.String) tempId = reader.GetString();
            else reader.Skip();
        }
        return (seq ?? throw new KeyNotFoundException("The message has no seq."), tempId);
    }

    /// <summary>A latency histogram in microseconds, up to 5 minutes, 3 significant digits: every latency the tool reports.</summary>
    public static LongHistogram NewLatencyHistogram() => new(highestTrackableValue: 5 * 60 * 1_000_000L, numberOfSignificantValueDigits: 3);

    /// <summary>Stopwatch ticks to whole microseconds (the histogram's unit).</summary>
    public static long TicksToMicroseconds(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    /// <summary>
    /// When the n-th message (0-based) of a client is due, in Stopwatch ticks after the run's start. Sends follow a fixed
    /// schedule (open loop), not "wait one interval after the last send": a slow send then does not silently lower the
    /// offered rate, and the schedule shows how far behind the sender fell. Each client starts at its own phase so that
    /// N clients do not all fire in the same millisecond.
    /// </summary>
    public static long DueTicks(long n, double ratePerSecond, double phase) =>
        (long)((n + phase) / ratePerSecond * Stopwatch.Frequency);

    /// <summary>A phase in [0, 1) spreading clients evenly over one send interval.</summary>
    public static double Phase(int client, int clients) => clients <= 1 ? 0 : (double)client / clients;

    /// <summary>Client i goes into room i mod M, so rooms differ in size by at most one member.</summary>
    public static int RoomOf(int client, int rooms) => client % rooms;

    /// <summary>
    /// Which base URL client i talks to: round-robin over the members of its room (member k of a room takes URL k mod U),
    /// so with two instances every room of two or more members spans both. Plain i mod U would put a whole room on one
    /// instance whenever M is a multiple of U.
    /// </summary>
    public static int UrlOf(int client, int rooms, int urls) => client / rooms % urls;

    /// <summary>A text of exactly <paramref name="bytes"/> ASCII bytes (at least 1; the server refuses empty text).</summary>
    public static string Payload(int bytes) => new('x', Math.Max(1, bytes));
}
