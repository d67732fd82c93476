using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// One SockJS session as a STOMP transport. Incoming messages (xhr_send bodies or WebSocket messages) are written to
/// <see cref="Input"/> as UTF-8; outgoing STOMP batches are queued as SockJS messages until a receiving request takes
/// them. Like sockjs-node: one receiving request at a time (a second gets <c>c[2010,…]</c>), an <c>h</c> frame after
/// <see cref="SockJsOptions.HeartbeatInterval"/> of silence, and a session with no receiving request for
/// <see cref="SockJsOptions.DisconnectDelay"/> (or whose request broke off) counts as gone.
/// </summary>
internal sealed class SockJsSession : IStompTransport
{
    private readonly SockJsOptions _options;
    private readonly TimeSpan _closeTimeout;
    private readonly Action<SockJsSession>? _forget;
    private readonly Pipe _inbound;
    private readonly SemaphoreSlim _inboundLock = new(1, 1);
    private readonly object _gate = new();
    private readonly List<string> _pending = [];
    private readonly Timer _idleTimer;
    private readonly TaskCompletionSource _closeDelivered = NewSignal();
    private long _pendingChars;
    private TaskCompletionSource _changed = NewSignal();
    private TaskCompletionSource? _drained;
    private SockJsReceiver? _receiver;
    private bool _opened;
    private bool _clientGone;
    private bool _inboundCompleted;
    private bool _ended;
    private bool _forgotten;
    private string? _closeFrame;

    public SockJsSession(string id, IPAddress? remoteAddress, SockJsOptions options, StompOptions stomp, Action<SockJsSession>? forget)
    {
        Id = id;
        RemoteAddress = remoteAddress;
        _options = options;
        _closeTimeout = TimeSpan.FromMilliseconds(stomp.CloseTimeoutMilliseconds);
        _forget = forget;
        // Back-pressure as on the WebSocket transport: more than two maximal frames unread and xhr_send waits.
        _inbound = new Pipe(new PipeOptions(
            pauseWriterThreshold: 2L * stomp.MaxFrameSize,
            resumeWriterThreshold: stomp.MaxFrameSize,
            useSynchronizationContext: false));
        _idleTimer = new Timer(_ => OnIdle());
    }

    public string Id { get; }

    /// <summary>Only requests from the address that opened the session may use it, so a leaked session id is not enough to join it.</summary>
    public IPAddress? RemoteAddress { get; }

    public string Name => "sockjs";

    public PipeReader Input => _inbound.Reader;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the receiving request; call under <see cref="_gate"/>.</summary>
    private void Pulse()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken)
    {
        // SockJS carries text only: bytes that are not UTF-8 (a binary STOMP body) arrive as U+FFFD.
        var quoted = SockJsFrames.Quote(Encoding.UTF8.GetString(frames.Span));
        Task? drained = null;
        lock (_gate)
        {
            if (_closeFrame is not null) throw new IOException("The SockJS session is closed.");
            _pending.Add(quoted);
            _pendingChars += quoted.Length;
            Pulse();
            if (_pendingChars > _options.MaxBufferedBytes) drained = (_drained ??= NewSignal()).Task;
        }
        // No receiving request is taking frames: the STOMP writer waits here, its own queue fills meanwhile, and the
        // slow-consumer rule applies exactly as on a WebSocket.
        if (drained is not null) await drained.WaitAsync(cancellationToken);
    }

    public async Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken)
    {
        var (code, text) = reason switch
        {
            StompCloseReason.ProtocolError => (1008, "STOMP error"),
            StompCloseReason.GoingAway => (1001, "Server shutting down"),
            _ => (1000, "Bye"),
        };
        lock (_gate)
        {
            if (_closeFrame is not null || _clientGone) return;
            _closeFrame = SockJsFrames.Close(code, text);
            Pulse();
        }
        // Give the receiving request (or the next poll) the chance to carry what is queued and the close frame.
        try
        {
            await _closeDelivered.Task.WaitAsync(_closeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // A later poll within DisconnectDelay still gets the close frame.
        }
    }

    public void Abort()
    {
        lock (_gate)
        {
            _closeFrame ??= SockJsFrames.Close(1011, "Connection dropped by the server");
            _pending.Clear();
            _pendingChars = 0;
            _drained?.TrySetException(new IOException("The SockJS session was aborted."));
            _drained = null;
            Pulse();
        }
        CompleteInbound();
    }

    /// <summary>Incoming messages, in order, as the STOMP byte stream. False when the session no longer reads.</summary>
    public async Task<bool> ReceiveAsync(IReadOnlyList<string> messages, CancellationToken cancellationToken)
    {
        await _inboundLock.WaitAsync(cancellationToken);
        try
        {
            if (_inboundCompleted) return false;
            // Closing (a close frame is set) counts as closed for the sender, even before the STOMP session has ended
            // and completed the input: the client has been told, or will be on its next poll, that the session is over.
            lock (_gate)
            {
                if (_closeFrame is not null) return false;
            }
            foreach (var message in messages)
            {
                if (message.Length == 0) continue;
                var span = _inbound.Writer.GetSpan(Encoding.UTF8.GetMaxByteCount(message.Length));
                _inbound.Writer.Advance(Encoding.UTF8.GetBytes(message, span));
                var flushed = await _inbound.Writer.FlushAsync(cancellationToken);
                if (flushed.IsCompleted) return false;
            }
            return true;
        }
        finally
        {
            _inboundLock.Release();
        }
    }

    /// <summary>The client is gone (its request broke off, or no receiving request came in time): the STOMP session sees end of input.</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            _clientGone = true;
            _closeFrame ??= SockJsFrames.Close(1002, "Connection interrupted");
            Pulse();
        }
        CompleteInbound();
    }

    private void CompleteInbound() => _ = Task.Run(async () =>
    {
        await _inboundLock.WaitAsync();
        try
        {
            if (_inboundCompleted) return;
            _inboundCompleted = true;
            await _inbound.Writer.CompleteAsync();
        }
        finally
        {
            _inboundLock.Release();
        }
    });

    /// <summary>
    /// Serves one receiving request until it must end: at once with <c>c[2010,…]</c> when another is attached, or the
    /// close frame when the session is closed; after the open frame or one batch when polling; when a streaming
    /// response is full; or when the client goes away.
    /// </summary>
    public async Task ServeAsync(SockJsReceiver receiver, CancellationToken requestAborted)
    {
        string? refusal = null;
        bool isNew = false, isClose = false;
        lock (_gate)
        {
            if (_receiver is not null) refusal = SockJsFrames.AnotherConnectionOpen;
            else if (_closeFrame is not null && _pending.Count == 0) (refusal, isClose) = (_closeFrame, true);
            else
            {
                _receiver = receiver;
                _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                isNew = !_opened;
                _opened = true;
            }
        }
        if (refusal is not null)
        {
            await WriteQuietlyAsync(receiver, refusal, requestAborted);
            if (isClose) _closeDelivered.TrySetResult();
            return;
        }

        var clientGone = false;
        try
        {
            if (isNew)
            {
                await receiver.WriteFrameAsync(SockJsFrames.Open, requestAborted);
                if (!receiver.Streaming) return;
            }
            await PumpAsync(receiver, requestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            clientGone = true;
        }
        finally
        {
            lock (_gate)
            {
                _receiver = null;
                if (!_forgotten) _idleTimer.Change(_options.DisconnectDelay, Timeout.InfiniteTimeSpan);
            }
            // A receiving request that broke off leaves the client in an unknown state: end the session (as sockjs-node does).
            if (clientGone) Interrupt();
        }
    }

    private async Task PumpAsync(SockJsReceiver receiver, CancellationToken requestAborted)
    {
        while (true)
        {
            string? batch = null, close = null;
            Task changed;
            lock (_gate)
            {
                if (_pending.Count > 0)
                {
                    batch = SockJsFrames.Messages(_pending);
                    _pending.Clear();
                    _pendingChars = 0;
                    _drained?.TrySetResult();
                    _drained = null;
                }
                else if (_closeFrame is not null) close = _closeFrame;
                changed = _changed.Task;
            }
            if (batch is not null)
            {
                await receiver.WriteFrameAsync(batch, requestAborted);
                if (!receiver.Streaming || receiver.Full) return;
                continue;
            }
            if (close is not null)
            {
                await receiver.WriteFrameAsync(close, requestAborted);
                _closeDelivered.TrySetResult();
                return;
            }
            using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
            heartbeat.CancelAfter(_options.HeartbeatInterval);
            try
            {
                await changed.WaitAsync(heartbeat.Token);
            }
            catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
            {
                await receiver.WriteFrameAsync(SockJsFrames.Heartbeat, requestAborted);
                if (!receiver.Streaming || receiver.Full) return;
            }
        }
    }

    private static async Task WriteQuietlyAsync(SockJsReceiver receiver, string frame, CancellationToken cancellationToken)
    {
        try
        {
            await receiver.WriteFrameAsync(frame, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WebSocketException)
        {
            // The client left before its refusal: nothing to do.
        }
    }

    /// <summary>No receiving request for DisconnectDelay: an open session's client is gone; an ended session is forgotten.</summary>
    private void OnIdle()
    {
        lock (_gate)
        {
            if (_receiver is not null || _forgotten) return;
            if (_ended) _forgotten = true;
        }
        if (_forgotten) _forget?.Invoke(this);
        else Interrupt();
    }

    /// <summary>
    /// The STOMP session has ended. The session stays known for <see cref="SockJsOptions.DisconnectDelay"/> so that a
    /// late poll still gets the close frame, then it is forgotten.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _ended = true;
            _closeFrame ??= SockJsFrames.Close(1000, "Bye");
            _drained?.TrySetException(new IOException("The SockJS session ended."));
            _drained = null;
            Pulse();
            if (_receiver is null && !_forgotten) _idleTimer.Change(_options.DisconnectDelay, Timeout.InfiniteTimeSpan);
        }
        CompleteInbound();
        await _inbound.Reader.CompleteAsync();
    }
}
