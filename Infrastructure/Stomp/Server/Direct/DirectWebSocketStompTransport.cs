using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// STOMP over WebSocket frames read and written on a Kestrel connection's own pipes, for the direct path. Inbound, a
/// pump decodes frames (<see cref="WebSocketFrameDecoder"/>) into the message pipe the session reads; outbound, a batch
/// of STOMP frames becomes one WebSocket frame written straight into Kestrel's output pipe. Compared with a managed
/// <see cref="WebSocket"/> over a stream over those pipes, that is one copy and three objects with their async state
/// machines fewer per session, and one layer fewer per frame sent.
/// </summary>
internal sealed class DirectWebSocketStompTransport : IStompTransport
{
    private readonly ConnectionContext _connection;
    private readonly PipeWriter _output;
    private readonly Pipe _messages;
    private readonly WebSocketFrameDecoder _decoder = new();
    // The session's writer loop and the pump (pong, close reply) both write frames; one at a time.
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly TimeSpan _closeTimeout;
    private readonly int _flushEvery;
    private readonly Task _receiving;
    private bool _closeSent;

    public DirectWebSocketStompTransport(ConnectionContext connection, StompServer server)
    {
        _connection = connection;
        _output = connection.Transport.Output;
        _closeTimeout = TimeSpan.FromMilliseconds(server.Options.CloseTimeoutMilliseconds);
        _messages = new Pipe(server.MessagePipeOptions);
        // At most one STOMP frame's worth decoded between flushes: the message pipe's back-pressure then holds (Kestrel
        // buffers up to 1 MB of a connection's input, all of which one decode would otherwise copy at once).
        _flushEvery = server.Options.MaxFrameSize;
        _receiving = ReceiveAsync();
    }

    public string Name => "websocket";

    public PipeReader Input => _messages.Reader;

    private async Task ReceiveAsync()
    {
        var wire = _connection.Transport.Input;
        try
        {
            while (true)
            {
                // Abort cancels the pending read and flush rather than a token: a token source and its registration
                // would be two more objects per idle connection (docs/performance.md, "Tenth profile").
                var read = await wire.ReadAsync();
                if (read.IsCanceled)
                    break;
                var buffer = read.Buffer;
                WebSocketFrame frame;
                while ((frame = _decoder.Decode(ref buffer, _messages.Writer, _flushEvery)).Kind
                       is not (WebSocketFrameKind.NeedMore or WebSocketFrameKind.BudgetSpent))
                {
                    if (frame.Kind == WebSocketFrameKind.Ping)
                        await SendFrameAsync(Opcode.Pong, frame.Payload, CancellationToken.None);
                    else if (frame.Kind != WebSocketFrameKind.Pong)
                        break;
                }
                // Stopped by the budget, the rest of the buffer is still to decode: mark none of it examined, so the
                // next read returns at once with it (after the flush below has waited for the session if it must).
                wire.AdvanceTo(buffer.Start, frame.Kind == WebSocketFrameKind.BudgetSpent ? buffer.Start : buffer.End);
                // Whatever came before a close or a violation is still the session's to read.
                var flushed = await _messages.Writer.FlushAsync();
                if (frame.Kind == WebSocketFrameKind.Close)
                {
                    // Echo the client's status (RFC 6455 §5.5.1), unless this side closed first and this is the answer.
                    var status = frame.Status == WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : frame.Status;
                    await SendCloseAsync(status, "", CancellationToken.None);
                    break;
                }
                if (frame.Kind == WebSocketFrameKind.Violation)
                {
                    await SendCloseAsync(frame.Status, frame.Reason, CancellationToken.None);
                    break;
                }
                if (flushed.IsCompleted || flushed.IsCanceled)
                    break;
                if (frame.Kind == WebSocketFrameKind.NeedMore && read.IsCompleted)
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client vanished or we aborted: the session sees a completed input either way.
        }
        await _messages.Writer.CompleteAsync();
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken) =>
        // Answer text with text when we can, since browser clients expect it; bodies that are not UTF-8 must go binary.
        SendFrameAsync(isUtf8 && _decoder.LastMessageIsText ? Opcode.Text : Opcode.Binary, frames, cancellationToken);

    public async Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken)
    {
        var (status, text) = WebSocketStompTransport.CloseFrameOf(reason);
        try
        {
            await SendCloseAsync(status, text, cancellationToken);
            // Wait for the client's close reply so the close handshake completes cleanly.
            await _receiving.WaitAsync(_closeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            Abort();
        }
    }

    public void Abort()
    {
        _connection.Transport.Input.CancelPendingRead();
        _messages.Writer.CancelPendingFlush();
        _connection.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_receiving.IsCompleted)
            Abort();
        await _receiving;
        await _messages.Reader.CompleteAsync();
    }

    /// <summary>The close frame, once: after it nothing more is sent (RFC 6455 §5.5.1).</summary>
    private async Task SendCloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        var body = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)status);
        Encoding.UTF8.GetBytes(reason, body.AsSpan(2));
        await SendFrameAsync(Opcode.Close, body, cancellationToken);
    }

    private async ValueTask SendFrameAsync(Opcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                if (opcode == Opcode.Close)
                    return;
                throw new IOException("The WebSocket is closing.");
            }
            _closeSent = opcode == Opcode.Close;
            WriteHeader(_output, opcode, payload.Length);
            _output.Write(payload.Span);
            var flushed = await _output.FlushAsync(cancellationToken);
            if (flushed.IsCompleted || flushed.IsCanceled)
                throw new IOException("The connection is closed.");
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>A server frame's header (RFC 6455 §5.2): final, unmasked, the shortest length encoding.</summary>
    private static void WriteHeader(PipeWriter output, Opcode opcode, int length)
    {
        var span = output.GetSpan(10);
        span[0] = (byte)(0x80 | (int)opcode);
        int written;
        if (length < 126)
        {
            span[1] = (byte)length;
            written = 2;
        }
        else if (length <= ushort.MaxValue)
        {
            span[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)length);
            written = 4;
        }
        else
        {
            span[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(span[2..], (ulong)length);
            written = 10;
        }
        output.Advance(written);
    }

    private enum Opcode
    {
        Text = 0x1,
        Binary = 0x2,
        Close = 0x8,
        Ping = 0x9,
        Pong = 0xA,
    }
}
