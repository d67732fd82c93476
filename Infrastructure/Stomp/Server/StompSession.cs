using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// One client connection: a read loop that parses and handles frames in order, a writer loop that drains the bounded
/// outbound queue, and a watchdog for heart-beats, CONNECT timeout and token expiry. Knows nothing of WebSockets.
/// </summary>
internal sealed partial class StompSession : IStompSession
{
    private const int Handshaking = 0, Connected = 1, Closing = 2;

    private readonly StompServer _server;
    private readonly IStompTransport _transport;
    // The handshake's token until CONNECT has used it: a credential is not kept for the session's life.
    private string? _handshakeToken;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, StompSubscription> _subscriptions = new(StringComparer.Ordinal);
    // The read loop owns _subscriptions, but a revocation (another instance's bus event) removes entries from another
    // thread; every access takes this lock, as does every access to the pending acks (StompSession.Outbound.cs). Never
    // held across an await.
    private readonly Lock _subscriptionsGate = new();
    private StompPrincipal? _principal;
    private int _state;
    private StompCloseReason _closeReason;

    public StompSession(StompServer server, IStompTransport transport, string? handshakeToken)
    {
        _server = server;
        _transport = transport;
        _handshakeToken = handshakeToken;
        // A full queue refuses a frame (the session is then dropped as a slow consumer) instead of dropping it silently.
        // An idle writer loop resumes on the delivering thread and writes at once, instead of being queued to the thread
        // pool and waking a worker for every frame (docs/performance.md). It never blocks that thread: a send the socket
        // cannot take at once suspends the loop, and frames queue behind it.
        _outbound = new OutboundQueue<Outbound>(server.Options.MaxOutboundQueue);
        _lastReceived = _lastSent = Environment.TickCount64;
    }

    public string SessionId { get; } = Guid.NewGuid().ToString("N");

    public StompPrincipal Principal => _principal ?? throw new InvalidOperationException("Not connected yet");

    /// <summary>The authenticated user's id, or null while handshaking.</summary>
    internal string? UserId => Volatile.Read(ref _principal)?.UserId;

    public StompVersion Version { get; private set; } = StompVersion.V12;

    private bool IsConnected => Volatile.Read(ref _state) == Connected;

    public async Task RunAsync(CancellationToken requestAborted)
    {
        _server.Broker.AddSession(this);
        await using var aborted = requestAborted.Register(static session => ((StompSession)session!).Close(StompCloseReason.Normal), this);
        var writing = WriteLoopAsync();
        _startedAt = Environment.TickCount64;
        _server.Watchdog.Watch(this, _startedAt + TickMilliseconds());
        _server.Metrics?.StompSessionOpened(_transport.Name);
        try
        {
            await ReadLoopAsync();
        }
        catch (StompProtocolException ex)
        {
            Fail(ex.Message);
        }
        catch (OperationCanceledException)
        {
            // The session is being torn down (authentication or a hook was cancelled by _stopping).
        }
        catch (Exception ex)
        {
            StompLog.SessionFailed(_server.Logger, ex, SessionId);
            Fail("Internal server error");
        }
        finally
        {
            TryBeginClose(StompCloseReason.Normal);
            _outbound.TryComplete();
            try
            {
                await FinishAsync(writing).WaitAsync(TimeSpan.FromMilliseconds(_server.Options.CloseTimeoutMilliseconds));
            }
            catch (TimeoutException)
            {
                _transport.Abort();
            }
            await _stopping.CancelAsync();
            try
            {
                await CleanupAsync();
            }
            finally
            {
                _server.Metrics?.StompSessionClosed(_transport.Name);
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            Volatile.Write(ref _lastReceived, Environment.TickCount64);
            try
            {
                if (result.IsCanceled || !IsOpen) return;
                // Parse every complete frame in the buffer; the parser enforces the frame-size window on what is left.
                while (StompFrameParser.TryParse(ref buffer, Version, _server.Limits, out var frame))
                {
                    Volatile.Write(ref _handling, 1);
                    _server.Metrics?.FrameReceived(frame!.Command.ToString());
                    bool keepGoing;
                    try
                    {
                        keepGoing = await HandleAsync(frame!);
                    }
                    finally
                    {
                        Volatile.Write(ref _lastReceived, Environment.TickCount64);
                        Volatile.Write(ref _handling, 0);
                    }
                    if (!keepGoing || !IsOpen) return;
                }
                if (result.IsCompleted) return;
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private bool IsOpen => Volatile.Read(ref _state) != Closing;

    /// <summary>First caller wins; later reasons (the client vanishing after an ERROR, say) do not overwrite it.</summary>
    private bool TryBeginClose(StompCloseReason reason)
    {
        var previous = Volatile.Read(ref _state);
        while (previous != Closing)
        {
            var seen = Interlocked.CompareExchange(ref _state, Closing, previous);
            if (seen == previous)
            {
                _closeReason = reason;
                return true;
            }
            previous = seen;
        }
        return false;
    }

    /// <summary>Ends the session after what is queued has been sent; safe from any thread.</summary>
    public void Close(StompCloseReason reason)
    {
        if (!TryBeginClose(reason)) return;
        _outbound.TryComplete();
        _transport.Input.CancelPendingRead();
    }

    /// <summary>Sends ERROR (message header, optional receipt-id and extra headers) and closes, as STOMP requires.</summary>
    private void Fail(string message, string? receiptId = null, KeyValuePair<string, string>? extra = null)
    {
        if (!TryBeginClose(StompCloseReason.ProtocolError)) return;
        StompLog.ProtocolError(_server.Logger, SessionId, message);
        var headers = new List<KeyValuePair<string, string>> { new("message", message), new("content-type", "text/plain") };
        if (receiptId is not null) headers.Add(new("receipt-id", receiptId));
        if (extra is { } header) headers.Add(header);
        _outbound.TryWrite(Outbound.Control(Encode(StompCommand.Error, headers, System.Text.Encoding.UTF8.GetBytes(message))));
        _outbound.TryComplete();
        _transport.Input.CancelPendingRead();
    }

    /// <summary>Runs feature listeners; one listener's bug must not break the session or the other listeners.</summary>
    private async ValueTask NotifyAsync<TListener>(TListener[] listeners, Func<TListener, ValueTask> notify)
        where TListener : class
    {
        foreach (var listener in listeners)
        {
            try
            {
                await notify(listener);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                StompLog.ListenerFailed(_server.Logger, ex, SessionId, listener.GetType().Name);
            }
        }
    }

    private async Task CleanupAsync()
    {
        StompSubscription[] remaining;
        lock (_subscriptionsGate)
        {
            remaining = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }
        foreach (var subscription in remaining) await RemoveAsync(subscription);
        if (_principal is not null)
        {
            await NotifyAsync(_server.SessionListeners, listener => listener.OnDisconnectedAsync(this));
        }
        _server.Broker.RemoveSession(this);
        StompLog.Closed(_server.Logger, SessionId, _closeReason);
    }
}
