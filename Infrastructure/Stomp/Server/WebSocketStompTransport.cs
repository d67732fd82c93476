using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// STOMP over a raw WebSocket. Text and binary messages both carry frames. The receive pump first does a zero-byte
/// receive and only then takes a buffer from the pipe, so an idle connection holds no receive buffer.
/// </summary>
internal sealed class WebSocketStompTransport : IStompTransport
{
    private const int ReceiveChunk = 4096;

    private readonly WebSocket _socket;
    private readonly Pipe _pipe;
    private readonly CancellationTokenSource _aborted = new();
    private readonly Task _receiving;
    private readonly TimeSpan _closeTimeout;
    private bool _clientUsesText = true;

    public WebSocketStompTransport(WebSocket socket, StompServer server)
    {
        _socket = socket;
        _closeTimeout = TimeSpan.FromMilliseconds(server.Options.CloseTimeoutMilliseconds);
        _pipe = new Pipe(server.MessagePipeOptions);
        _receiving = ReceiveAsync();
    }

    public string Name => "websocket";

    public PipeReader Input => _pipe.Reader;

    /// <summary>
    /// The pipe of a WebSocket's message bytes that the session reads. Back-pressure: the parser refuses frames over
    /// MaxFrameSize, so more than two of them buffered means the session is busy; the pump then stops reading and TCP
    /// pushes back on the client. Made once per server (<see cref="StompServer.MessagePipeOptions"/>).
    /// </summary>
    internal static PipeOptions MessagePipeOptions(StompOptions options) => new(
        pauseWriterThreshold: 2L * options.MaxFrameSize,
        resumeWriterThreshold: options.MaxFrameSize,
        minimumSegmentSize: ReceiveChunk,
        useSynchronizationContext: false);

    private async Task ReceiveAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var ready = await _socket.ReceiveAsync(Memory<byte>.Empty, _aborted.Token);
                if (ready.MessageType == WebSocketMessageType.Close) break;
                if (ready.EndOfMessage) continue; // an empty message: nothing to read, so take no buffer for it
                var memory = _pipe.Writer.GetMemory(ReceiveChunk);
                var received = await _socket.ReceiveAsync(memory, _aborted.Token);
                if (received.MessageType == WebSocketMessageType.Close) break;
                _clientUsesText = received.MessageType == WebSocketMessageType.Text;
                _pipe.Writer.Advance(received.Count);
                var flushed = await _pipe.Writer.FlushAsync(_aborted.Token);
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client vanished or we aborted: the session sees a completed input either way.
            error = null;
        }
        await _pipe.Writer.CompleteAsync(error);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken)
    {
        // Answer text with text when we can, since browser clients expect it; bodies that are not UTF-8 must go binary.
        var type = isUtf8 && _clientUsesText ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        return _socket.SendAsync(frames, type, endOfMessage: true, cancellationToken);
    }

    public async Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        var (status, text) = CloseFrameOf(reason);
        try
        {
            await _socket.CloseOutputAsync(status, text, cancellationToken);
            // Wait for the client's close reply so the close handshake completes cleanly.
            await _receiving.WaitAsync(_closeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or IOException)
        {
            Abort();
        }
    }

    /// <summary>The WebSocket close status and reason a session's end is told with.</summary>
    internal static (WebSocketCloseStatus Status, string Text) CloseFrameOf(StompCloseReason reason) => reason switch
    {
        StompCloseReason.ProtocolError => (WebSocketCloseStatus.PolicyViolation, "STOMP error"),
        StompCloseReason.GoingAway => (WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"),
        _ => (WebSocketCloseStatus.NormalClosure, "Bye"),
    };

    public void Abort()
    {
        _aborted.Cancel();
        _socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_receiving.IsCompleted) Abort();
        await _receiving;
        await _pipe.Reader.CompleteAsync();
    }
}
