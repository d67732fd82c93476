using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// SockJS framing: the frames the server writes (<c>o</c>, <c>h</c>, <c>a[…]</c>, <c>c[code,"reason"]</c>) and the
/// JSON the client sends (an array of strings; on a WebSocket also a single string).
/// </summary>
internal static class SockJsFrames
{
    public const string Open = "o";
    public const string Heartbeat = "h";

    /// <summary>Two receiving requests on one session: the second gets this and ends (protocol code 2010).</summary>
    public static readonly string AnotherConnectionOpen = Close(2010, "Another connection still open");

    public static string Close(int code, string reason) =>
        "c[" + code.ToString(CultureInfo.InvariantCulture) + "," + Quote(reason) + "]";

    /// <summary>An <c>a</c> frame of already quoted messages.</summary>
    public static string Messages(IReadOnlyList<string> quoted)
    {
        var length = 3 + quoted.Count;
        foreach (var message in quoted) length += message.Length;
        var builder = new StringBuilder(length).Append("a[");
        for (var i = 0; i < quoted.Count; i++)
        {
            if (i > 0) builder.Append(',');
            builder.Append(quoted[i]);
        }
        return builder.Append(']').ToString();
    }

    /// <summary>
    /// A JSON string literal with the characters the SockJS protocol makes servers escape: control characters and
    /// the ranges browsers mangle or treat as line breaks (U+200C–200F, U+2028–202F, U+2060–206F, U+FFF0–FFFF).
    /// Everything else goes verbatim, so a message of emoji is not six times its size.
    /// </summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (MustEscape(c)) builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    private static bool MustEscape(char c) =>
        c < '\u0020'
        || c is >= '\u200c' and <= '\u200f'
        || c is >= '\u2028' and <= '\u202f'
        || c is >= '\u2060' and <= '\u206f'
        || c >= '\ufff0';

    /// <summary>
    /// EventSource data lines may not hold CR, LF or NUL, and sockjs-client URI-decodes each event, so those and
    /// <c>%</c> are percent-escaped (JSON quoting already removed the first three; <c>%</c> remains).
    /// </summary>
    public static string EscapeForEventSource(string frame) => frame.Contains('%') ? frame.Replace("%", "%25") : frame;

    /// <summary>An xhr_send body: a JSON array of strings (possibly empty). False for anything else.</summary>
    public static bool TryParseMessageArray(ReadOnlySpan<byte> json, List<string> messages)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.String) messages.Add(reader.GetString()!);
            if (reader.TokenType != JsonTokenType.EndArray) return false;
            return !reader.Read(); // nothing after the array
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A SockJS WebSocket message: an array of strings, or one string. False for anything else.</summary>
    public static bool TryParseWebSocketMessage(ReadOnlySpan<byte> json, List<string> messages)
    {
        var start = json.TrimStart(" \t\r\n"u8);
        if (start.Length > 0 && start[0] == (byte)'[') return TryParseMessageArray(json, messages);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
            var message = reader.GetString()!;
            if (reader.Read()) return false;
            messages.Add(message);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
