using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// An HTTP/1.1 WebSocket upgrade request for one path, read from a connection's first bytes (RFC 6455 §4.2.1). Only a
/// plain, well-formed handshake is recognised: anything unusual (another method, path or version, a body, folded or
/// non-ASCII header lines, a repeated Host or key, a missing upgrade header) is <see cref="UpgradeParse.NotThisEndpoint"/>,
/// and the connection goes to ASP.NET Core's HTTP stack, which answers it as it always has. So this parser never decides
/// a refusal; it only picks out the requests the direct path can serve.
/// </summary>
internal sealed class WebSocketUpgradeRequest
{
    /// <summary>A handshake's headers larger than this go to the HTTP stack (a browser's are under 2 KB).</summary>
    public const int MaxBytes = 8 * 1024;

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketUpgradeRequest(string host, string key)
    {
        Host = host;
        Key = key;
    }

    public string Host { get; }

    /// <summary>Sec-WebSocket-Key: 16 random bytes in base64.</summary>
    public string Key { get; }

    /// <summary>The query string without its '?', or empty.</summary>
    public string Query { get; private set; } = "";

    public string Origin { get; private set; } = "";

    public string Authorization { get; private set; } = "";

    /// <summary>The subprotocols the client offers, in its order (Sec-WebSocket-Protocol may be repeated).</summary>
    public List<string> SubProtocols { get; } = [];

    /// <summary>The <c>token</c> query parameter, as ASP.NET Core's query parsing decodes it; null when absent or empty.</summary>
    public string? QueryToken =>
        QueryHelpers.ParseQuery(Query).TryGetValue("token", out var token) && !string.IsNullOrEmpty(token) ? token.ToString() : null;

    /// <summary>Sec-WebSocket-Accept for this request's key.</summary>
    public string AcceptKey => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(Key + AcceptGuid)));

    /// <summary>
    /// Reads <paramref name="buffer"/> (the connection's bytes so far) as a handshake for <paramref name="path"/>.
    /// <see cref="UpgradeParse.Incomplete"/> only while the bytes so far could still become one; on
    /// <see cref="UpgradeParse.Upgrade"/>, <paramref name="end"/> is the position after the blank line.
    /// </summary>
    public static UpgradeParse Parse(ReadOnlySequence<byte> buffer, string path, out WebSocketUpgradeRequest? request, out SequencePosition end)
    {
        request = null;
        end = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);
        // Ordinary requests leave at the first byte that differs, without waiting for the rest of their headers.
        var prefix = Encoding.ASCII.GetBytes("GET " + path);
        var seen = (int)Math.Min(buffer.Length, prefix.Length);
        Span<byte> start = stackalloc byte[seen];
        buffer.Slice(0, seen).CopyTo(start);
        if (!start.SequenceEqual(prefix.AsSpan(0, seen)))
            return UpgradeParse.NotThisEndpoint;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
            return buffer.Length < MaxBytes ? UpgradeParse.Incomplete : UpgradeParse.NotThisEndpoint;
        if (head.Length + 4 > MaxBytes)
            return UpgradeParse.NotThisEndpoint;
        var bytes = head.ToArray();
        // Only printable ASCII, tabs and line ends: anything else (obsolete text, stray controls) is the HTTP stack's to judge.
        if (bytes.Any(b => b > (byte)'~' || (b < (byte)' ' && b is not ((byte)'\r' or (byte)'\n' or (byte)'\t'))))
            return UpgradeParse.NotThisEndpoint;
        request = Read(Encoding.ASCII.GetString(bytes), path);
        if (request is null)
            return UpgradeParse.NotThisEndpoint;
        end = reader.Position;
        return UpgradeParse.Upgrade;
    }

    private static WebSocketUpgradeRequest? Read(string head, string path)
    {
        var lines = head.Split("\r\n");
        // The request line: GET <path>[?query] HTTP/1.1, nothing else.
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"])
            return null;
        var queryAt = target.IndexOf('?');
        if ((queryAt < 0 ? target : target[..queryAt]) != path)
            return null;

        string? host = null, key = null, origin = null, authorization = null, version = null;
        bool upgradeWebSocket = false, connectionUpgrade = false;
        var subProtocols = new List<string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            // A folded line (leading whitespace) or one without a name is something the HTTP stack should judge.
            if (colon <= 0 || line[0] is ' ' or '\t' || line.AsSpan(0, colon).ContainsAny(' ', '\t'))
                return null;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            switch (name.ToLowerInvariant())
            {
                case "host" when host is null: host = value; break;
                case "sec-websocket-key" when key is null: key = value; break;
                case "sec-websocket-version" when version is null: version = value; break;
                case "origin" when origin is null: origin = value; break;
                case "authorization" when authorization is null: authorization = value; break;
                case "upgrade": upgradeWebSocket |= HasToken(value, "websocket"); break;
                case "connection": connectionUpgrade |= HasToken(value, "upgrade"); break;
                case "sec-websocket-protocol": subProtocols.AddRange(Tokens(value)); break;
                case "host" or "sec-websocket-key" or "sec-websocket-version" or "origin" or "authorization":
                case "content-length" or "transfer-encoding":
                    return null; // repeated where only one may be, or a body: the HTTP stack decides
            }
        }
        if (host is null || key is null || version != "13" || !upgradeWebSocket || !connectionUpgrade || !IsKey(key))
            return null;
        var request = new WebSocketUpgradeRequest(host, key)
        {
            Query = queryAt < 0 ? "" : target[(queryAt + 1)..],
            Origin = origin ?? "",
            Authorization = authorization ?? "",
        };
        request.SubProtocols.AddRange(subProtocols);
        return request;
    }

    private static IEnumerable<string> Tokens(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static bool HasToken(string value, string token) =>
        Tokens(value).Any(t => string.Equals(t, token, StringComparison.OrdinalIgnoreCase));

    private static bool IsKey(string key)
    {
        Span<byte> bytes = stackalloc byte[24];
        return Convert.TryFromBase64String(key, bytes, out var written) && written == 16;
    }
}

internal enum UpgradeParse
{
    /// <summary>The bytes so far start like this endpoint's handshake; wait for more.</summary>
    Incomplete,

    /// <summary>Not a plain WebSocket handshake for this path: the HTTP stack takes the connection.</summary>
    NotThisEndpoint,

    /// <summary>A complete, well-formed handshake for this path.</summary>
    Upgrade,
}
