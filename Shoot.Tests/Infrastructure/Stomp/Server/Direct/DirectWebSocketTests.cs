using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Shoot.Infrastructure.Stomp.Server.Direct;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The STOMP handshake served straight from the Kestrel connection (issue 11, idle connections), on the real Shoot
/// host over raw TCP so the bytes on the wire can be checked. Kestrel adds a <c>Date</c> header to every response it
/// writes, the direct path writes none: that tells which of the two answered.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DirectWebSocketTests : IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string AcceptKey = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private readonly ShootAppFactory _app = new(new Dictionary<string, string?> { ["AllowedHosts"] = "localhost;127.0.0.1" }, kestrel: true);
    private string _token = "";

    public async Task InitializeAsync() => _token = (await _app.CreateShootClient().CreateUserAsync("dw")).AccessToken;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private string Handshake(string host = "127.0.0.1") =>
        $"GET /ws/chat?token={_token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp\r\n\r\n";

    [Fact]
    public async Task A_plain_handshake_is_answered_from_the_connection_and_its_session_chats()
    {
        using var tcp = await ConnectAsync();
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        Assert.Contains("\r\nSec-WebSocket-Protocol: v12.stomp\r\n", await ExpectSessionAsync(tcp, direct: true));
    }

    [Fact]
    public async Task Turned_off_the_same_handshake_is_answered_by_the_http_stack()
    {
        await using var app = new ShootAppFactory(new Dictionary<string, string?> { ["Shoot:Stomp:DirectWebSocket"] = "false" }, kestrel: true);
        _token = (await app.CreateShootClient().CreateUserAsync("dw")).AccessToken;
        using var tcp = await ConnectAsync(app);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        await ExpectSessionAsync(tcp, direct: false);
    }

    [Fact]
    public async Task A_handshake_arriving_in_pieces_and_a_frame_sent_with_it_are_both_read()
    {
        using var tcp = await ConnectAsync();
        var handshake = Encoding.ASCII.GetBytes(Handshake());
        await tcp.GetStream().WriteAsync(handshake.AsMemory(0, 10));
        await Task.Delay(100);
        await tcp.GetStream().WriteAsync(handshake.AsMemory(10, 40));
        await Task.Delay(100);
        // The rest of the handshake and the client's CONNECT frame in one write: the frame's bytes are the session's.
        await tcp.GetStream().WriteAsync(handshake.AsMemory(50).ToArray().Concat(await MaskedClientFrameAsync(ConnectFrame)).ToArray());
        var head = await ReadHeadAsync(tcp);

        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head);
        Assert.DoesNotContain("\r\nDate:", head);
        using var socket = WebSocket.CreateFromStream(tcp.GetStream(), new WebSocketCreationOptions { SubProtocol = "v12.stomp" });
        Assert.StartsWith("CONNECTED\n", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task A_handshake_stalled_past_the_timeout_goes_to_the_http_stack_with_none_of_its_bytes_lost()
    {
        using var tcp = await ConnectAsync();
        var handshake = Encoding.ASCII.GetBytes(Handshake());
        await tcp.GetStream().WriteAsync(handshake.AsMemory(0, 30));
        await Task.Delay(DirectWebSocketMiddleware.HandshakeTimeout + TimeSpan.FromSeconds(1));
        await tcp.GetStream().WriteAsync(handshake.AsMemory(30));
        await ExpectSessionAsync(tcp, direct: false);
    }

    [Fact]
    public async Task After_an_ordinary_request_on_the_same_connection_the_http_stack_serves_the_upgrade()
    {
        using var tcp = await ConnectAsync();
        await tcp.GetStream().WriteAsync("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());
        var first = await ReadHeadAsync(tcp);
        Assert.StartsWith("HTTP/1.1 200", first);
        await ReadBodyAsync(tcp, first);

        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        await ExpectSessionAsync(tcp, direct: false);
    }

    [Fact]
    public async Task A_host_the_host_filter_does_not_allow_is_refused_by_the_http_stack_as_ever()
    {
        using var tcp = await ConnectAsync();
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake(host: "evil.example")));
        var head = await ReadHeadAsync(tcp);
        Assert.StartsWith("HTTP/1.1 400", head);
        var body = JsonNode.Parse(await ReadBodyAsync(tcp, head))!;
        Assert.Equal("INVALID_HOST", body["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_ping_gets_its_pong_and_a_client_close_is_answered_in_kind_before_the_connection_ends()
    {
        using var tcp = await ConnectAsync();
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        Assert.DoesNotContain("\r\nDate:", await ReadHeadAsync(tcp));

        await tcp.GetStream().WriteAsync(MaskedFrame(0x9, "marco"u8.ToArray()));
        Assert.Equal((0xA, "marco"), await ReadServerFrameAsync(tcp));

        await tcp.GetStream().WriteAsync(MaskedFrame(0x8, [0x03, 0xE8, .. "done"u8.ToArray()])); // 1000 "done"
        var (opcode, body) = await ReadServerFrameAsync(tcp);
        Assert.Equal(0x8, opcode);
        Assert.Equal("\u0003\u00e8", body[..2]);
        await ExpectEndOfStreamAsync(tcp);
    }

    [Fact]
    public async Task An_unmasked_client_frame_is_a_protocol_error_closed_with_1002()
    {
        using var tcp = await ConnectAsync();
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        await ReadHeadAsync(tcp);

        await tcp.GetStream().WriteAsync((byte[])[0x81, 0x07, .. "CONNECT"u8.ToArray()]);
        var (opcode, body) = await ReadServerFrameAsync(tcp);
        Assert.Equal(0x8, opcode);
        Assert.Equal(1002, body[0] << 8 | body[1]);
        await ExpectEndOfStreamAsync(tcp);
    }

    /// <summary>The server closes the TCP connection (bounded: a server that never closes fails the test, not the run).</summary>
    private static async Task ExpectEndOfStreamAsync(TcpClient tcp)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[1], timeout.Token));
    }

    /// <summary>A client frame, final and masked (mask 0x01020304), with a payload under 126 bytes.</summary>
    private static byte[] MaskedFrame(byte opcode, byte[] payload)
    {
        byte[] mask = [1, 2, 3, 4];
        return [(byte)(0x80 | opcode), (byte)(0x80 | payload.Length), .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    /// <summary>One unmasked server frame with a payload under 126 bytes: its opcode and its payload as Latin-1 text.</summary>
    private static async Task<(int Opcode, string Body)> ReadServerFrameAsync(TcpClient tcp)
    {
        var head = await ReadBytesAsync(tcp, 2);
        Assert.True(head[1] < 126, "a payload under 126 bytes, unmasked");
        return (head[0] & 0x0F, Encoding.Latin1.GetString(await ReadBytesAsync(tcp, head[1])));
    }

    private const string ConnectFrame = "CONNECT\naccept-version:1.2\nhost:shoot\n\n\0";

    private Task<TcpClient> ConnectAsync() => ConnectAsync(_app);

    private static async Task<TcpClient> ConnectAsync(ShootAppFactory app)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(app.ServerAddress.Host, app.ServerAddress.Port);
        tcp.GetStream().ReadTimeout = 10_000;
        return tcp;
    }

    /// <summary>Reads the response's status line and headers byte by byte, so nothing after them is taken from the stream.</summary>
    private static async Task<string> ReadHeadAsync(TcpClient tcp)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await tcp.GetStream().ReadAsync(one, timeout.Token) == 0)
                throw new IOException("closed before the end of the response head: " + head);
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    /// <summary>A response body after its head: by Content-Length, or chunk by chunk.</summary>
    private static async Task<string> ReadBodyAsync(TcpClient tcp, string head)
    {
        var lengthHeader = head.Split("\r\n").SingleOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthHeader is not null)
            return Encoding.UTF8.GetString(await ReadBytesAsync(tcp, int.Parse(lengthHeader[15..])));
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", head);
        var body = new StringBuilder();
        while (true)
        {
            var size = Convert.ToInt32((await ReadLineAsync(tcp)).Split(';')[0], 16);
            var chunk = await ReadBytesAsync(tcp, size + 2);
            if (size == 0)
                return body.ToString();
            body.Append(Encoding.UTF8.GetString(chunk, 0, size));
        }
    }

    private static async Task<string> ReadLineAsync(TcpClient tcp)
    {
        var line = new StringBuilder();
        while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
            line.Append((char)(await ReadBytesAsync(tcp, 1))[0]);
        return line.ToString()[..^2];
    }

    private static async Task<byte[]> ReadBytesAsync(TcpClient tcp, int length)
    {
        var bytes = new byte[length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.GetStream().ReadExactlyAsync(bytes, timeout.Token);
        return bytes;
    }

    /// <summary>
    /// The 101 with the right accept key, then a session that answers CONNECT; <paramref name="direct"/> says who answered
    /// the handshake (Kestrel writes a Date header, the direct path none). Returns the response head.
    /// </summary>
    private static async Task<string> ExpectSessionAsync(TcpClient tcp, bool direct)
    {
        var head = await ReadHeadAsync(tcp);
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head);
        Assert.Contains($"\r\nSec-WebSocket-Accept: {AcceptKey}\r\n", head);
        Assert.Equal(!direct, head.Contains("\r\nDate:", StringComparison.Ordinal));
        await ExpectConnectedAsync(tcp);
        return head;
    }

    private static async Task ExpectConnectedAsync(TcpClient tcp)
    {
        using var socket = WebSocket.CreateFromStream(tcp.GetStream(), new WebSocketCreationOptions { SubProtocol = "v12.stomp" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(Encoding.UTF8.GetBytes(ConnectFrame), WebSocketMessageType.Text, true, timeout.Token);
        Assert.StartsWith("CONNECTED\n", await ReceiveTextAsync(socket));
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>The bytes a client WebSocket puts on the wire for one text message (masked, as RFC 6455 requires of clients).</summary>
    private static async Task<byte[]> MaskedClientFrameAsync(string text)
    {
        var wire = new MemoryStream();
        using var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions());
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        return wire.ToArray();
    }
}
