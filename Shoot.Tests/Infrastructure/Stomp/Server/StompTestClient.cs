using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>A bare STOMP client over <see cref="ClientWebSocket"/>; every wait is bounded so a broken server fails the test instead of hanging it.</summary>
internal sealed class StompTestClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly StompParserLimits Limits = new(16 * 1024 * 1024, 1000, 1024 * 1024);
    private readonly ClientWebSocket _socket = new();
    private readonly List<byte[]> _pending = [];

    public WebSocket Socket => _socket;

    /// <summary>How long <see cref="ReceiveAsync"/> waits for a frame (a timeout aborts the socket, as ClientWebSocket does on cancel).</summary>
    public TimeSpan ReceivePatience { get; set; } = Patience;

    public int HeartBeatsReceived { get; private set; }

    public WebSocketMessageType? LastMessageType { get; private set; }

    public static Task<StompTestClient> OpenAsync(Uri uri, params string[] subProtocols) => OpenAsync(uri, _ => { }, subProtocols);

    public static async Task<StompTestClient> OpenAsync(Uri uri, Action<ClientWebSocket> configure, params string[] subProtocols)
    {
        var client = new StompTestClient();
        foreach (var protocol in subProtocols.DefaultIfEmpty("v12.stomp")) client._socket.Options.AddSubProtocol(protocol);
        configure(client._socket);
        using var timeout = new CancellationTokenSource(Patience);
        await client._socket.ConnectAsync(uri, timeout.Token);
        return client;
    }

    /// <summary>Opens a socket and completes CONNECT; returns the CONNECTED frame.</summary>
    public static async Task<(StompTestClient Client, StompFrame Connected)> ConnectAsync(Uri uri, string token, string heartBeat = "0,0")
    {
        var client = await OpenAsync(uri);
        await client.SendAsync($"CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:{heartBeat}\nAuthorization:Bearer {token}\n\n\0");
        return (client, await client.ExpectAsync(StompCommand.Connected));
    }

    public Task SendAsync(string text, WebSocketMessageType type = WebSocketMessageType.Text) => SendAsync(Encoding.UTF8.GetBytes(text), type);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text, bool endOfMessage = true)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.SendAsync(bytes, type, endOfMessage, timeout.Token);
    }

    public Task SendFrameAsync(StompCommand command, string body, params (string Key, string Value)[] headers)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, command, headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)), Encoding.UTF8.GetBytes(body));
        return SendAsync(output.WrittenSpan.ToArray());
    }

    public Task SendFrameAsync(StompCommand command, params (string Key, string Value)[] headers) => SendFrameAsync(command, "", headers);

    /// <summary>The next frame, or null once the server closed (or dropped) the connection.</summary>
    public async Task<StompFrame?> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(ReceivePatience);
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var buffer = FrameFeederBuffer();
            if (StompFrameParser.TryParse(ref buffer, StompVersion.V12, Limits, out var frame))
            {
                Keep(buffer);
                return frame;
            }
            Keep(buffer);
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(chunk, timeout.Token);
            }
            catch (WebSocketException)
            {
                return null;
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No frame from the server within " + Patience);
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // Complete the close handshake as browsers do, so the server need not wait for its close timeout.
                if (_socket.State == WebSocketState.CloseReceived) await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                return null;
            }
            LastMessageType = result.MessageType;
            var bytes = chunk[..result.Count];
            if (_pending.Count == 0 && bytes.Length > 0 && bytes.All(b => b is (byte)'\n' or (byte)'\r')) HeartBeatsReceived++;
            _pending.Add(bytes);
        }
    }

    public async Task<StompFrame> ExpectAsync(StompCommand command)
    {
        var frame = await ReceiveAsync() ?? throw new Xunit.Sdk.XunitException($"Connection closed while expecting {command}");
        if (frame.Command != command)
        {
            throw new Xunit.Sdk.XunitException($"Expected {command} but got {frame.Command}: {frame["message"]} {Encoding.UTF8.GetString(frame.Body.Span)}");
        }
        return frame;
    }

    /// <summary>Expects an ERROR frame and then the end of the connection; returns the ERROR.</summary>
    public async Task<StompFrame> ExpectErrorAndCloseAsync()
    {
        var error = await ExpectAsync(StompCommand.Error);
        Assert.NotNull(error["message"]);
        await ExpectClosedAsync();
        return error;
    }

    public async Task ExpectClosedAsync()
    {
        for (var frames = 0; ; frames++)
        {
            if (await ReceiveAsync() is null) return;
            Assert.True(frames < 100_000, "Connection never closed");
        }
    }

    private ReadOnlySequence<byte> FrameFeederBuffer() => _pending.Count == 0
        ? ReadOnlySequence<byte>.Empty
        : new ReadOnlySequence<byte>(_pending.SelectMany(p => p).ToArray());

    private void Keep(ReadOnlySequence<byte> rest)
    {
        _pending.Clear();
        if (!rest.IsEmpty) _pending.Add(rest.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone.
            }
        }
        _socket.Dispose();
    }
}
