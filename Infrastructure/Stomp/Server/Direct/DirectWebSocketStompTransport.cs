using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// STOMP over WebSocket frames read and written on a Kestrel connection's own pipes, for the direct path. Inbound, the
/// session reads the messages' payload decoded in place in Kestrel's input buffer (<see cref="WebSocketPayloadReader"/>);
/// outbound, a batch of STOMP frames becomes one WebSocket frame written straight into Kestrel's output pipe. Compared
/// with a managed <see cref="WebSocket"/> over a stream over those pipes, there is no copy of what the client sends, no
/// receive loop or pipe of its own per session, and one layer fewer per frame sent.
/// </summary>
internal sealed class DirectWebSocketStompTransport : IStompTransport, IWebSocketControlReplies
{
    private readonly ConnectionContext _connection;
    private readonly PipeWriter _output;
    private readonly WebSocketFrameDecoder _decoder = new();
    private readonly WebSocketPayloadReader _input;
    // The session's writer loop and its reads (pong, close reply) both write frames; one at a time.
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly TimeSpan _closeTimeout;
    private bool _closeSent;
    private volatile bool _aborted;

    public DirectWebSocketStompTransport(ConnectionContext connection, StompServer server)
    {
        _connection = connection;
        _output = connection.Transport.Output;
        _closeTimeout = TimeSpan.FromMilliseconds(server.Options.CloseTimeoutMilliseconds);
        _input = new WebSocketPayloadReader(connection.Transport.Input, _decoder, this);
    }

    public string Name => "websocket";

    public PipeReader Input => _input;

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken) =>
        // Answer text with text when we can, since browser clients expect it; bodies that are not UTF-8 must go binary.
        SendFrameAsync(isUtf8 && _decoder.LastMessageIsText ? Opcode.Text : Opcode.Binary, frames, cancellationToken);

    /// <summary>
    /// Sends the close frame, then reads on until the client's close reply (within the close timeout) so the close
    /// handshake completes cleanly. The session calls this once its read loop has stopped: the input is ours to read.
    /// </summary>
    public async Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken)
    {
        var (status, text) = WebSocketStompTransport.CloseFrameOf(reason);
        try
        {
            await SendCloseAsync(status, text, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_closeTimeout);
            while (!_input.HasEnded)
            {
                var read = await _input.ReadAsync(timeout.Token);
                _input.AdvanceTo(read.Buffer.End);
                // A cancelled read is the session's leftover wake-up (it stops its read loop that way), unless we aborted.
                if (read.IsCompleted || (read.IsCanceled && _aborted))
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            Abort();
        }
    }

    /// <summary>Drops the connection: a pending read returns cancelled, and Kestrel closes the socket.</summary>
    public void Abort()
    {
        _aborted = true;
        _connection.Transport.Input.CancelPendingRead();
        _connection.Abort();
    }

    // Nothing of its own to release: the pipes are Kestrel's, closed with the connection.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public ValueTask PongAsync(byte[] payload) => SendFrameAsync(Opcode.Pong, payload, CancellationToken.None);

    /// <summary>Echoes the client's close status (RFC 6455 §5.5.1) or closes with the violation's status and reason.</summary>
    public async ValueTask AnswerCloseAsync(WebSocketFrame frame)
    {
        var status = frame.Status == WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : frame.Status;
        await SendCloseAsync(status, frame.Kind == WebSocketFrameKind.Violation ? frame.Reason : "", CancellationToken.None);
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
