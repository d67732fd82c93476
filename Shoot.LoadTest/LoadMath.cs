using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;

namespace Shoot.LoadTest;

/// <summary>
/// Pure helpers of the load tool, kept apart so Shoot.Tests can check them without a server.
/// </summary>
public static class LoadMath
{
    /// <summary>
    /// The top-level <c>seq</c> and <c>tempId</c> of a Message body, read with one forward pass (nested objects are
    /// skipped); tempId is null when absent, not a string or not a load tool's. Throws
    /// <see cref="JsonException"/> on bad JSON and <see cref="KeyNotFoundException"/> without seq, as a
    /// document lookup would.
    /// </summary>
    public static (long Seq, LoadTempId? TempId) ReadSeqAndTempId(ReadOnlySpan<byte> body)
    {
        var (seq, tempId, _) = ScanTopLevel(body);
        return (seq ?? throw new KeyNotFoundException("The message has no seq."), tempId);
    }

    /// <summary>The load tempId of a status event (<c>{"status":…,"tempId":…}</c>) when its status is SAVED, else null.</summary>
    public static LoadTempId? ReadSavedTempId(ReadOnlySpan<byte> body)
    {
        var (_, tempId, saved) = ScanTopLevel(body);
        return saved ? tempId : null;
    }

    /// <summary>One forward pass over a JSON object's top-level seq, tempId and status; nothing allocated.</summary>
    private static (long? Seq, LoadTempId? TempId, bool Saved) ScanTopLevel(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        long? seq = null;
        LoadTempId? tempId = null;
        var saved = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("seq"u8) ? 1 : reader.ValueTextEquals("tempId"u8) ? 2 : reader.ValueTextEquals("status"u8) ? 3 : 0;
            reader.Read();
            switch (property)
            {
                case 1:
                    seq = reader.GetInt64();
                    break;
                case 2 when reader.TokenType == JsonTokenType.String:
                    // Escapes are legal JSON but never in a load tempId; an escaped one is decoded the slow way.
                    if (reader.ValueIsEscaped ? LoadTempId.TryParse(reader.GetString(), out var t) : LoadTempId.TryParse(reader.ValueSpan, out t)) tempId = t;
                    break;
                case 3 when reader.TokenType == JsonTokenType.String:
                    saved = reader.ValueTextEquals("SAVED"u8);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return (seq, tempId, saved);
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
    /// <remarks>
    /// With a ramp of <paramref name="rampSeconds"/>, the rate rises in a straight line from 0 to the full rate over
    /// the ramp, then stays: the k-th send of a client is due at √(2·ramp·k / rate) while k ≤ rate·ramp/2, and one
    /// interval apart after that. A real server meets its peak after it has warmed up; a jump from nothing to the full
    /// rate in the first millisecond instead measures the JIT compiling at the same time, with queues it never recovers from.
    /// </remarks>
    public static long DueTicks(long n, double ratePerSecond, double phase, double rampSeconds = 0)
    {
        var k = n + phase;
        var rampSends = ratePerSecond * rampSeconds / 2;
        var seconds = k < rampSends ? Math.Sqrt(2 * rampSeconds * k / ratePerSecond) : rampSeconds + (k - rampSends) / ratePerSecond;
        return (long)(seconds * Stopwatch.Frequency);
    }

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
