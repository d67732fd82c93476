using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

internal sealed partial class StompSession
{
    // Open transactions, the read loop's only; created by the first BEGIN (few clients use transactions).
    private Dictionary<string, List<StompFrame>>? _transactions;

    /// <returns>false when the session must end (DISCONNECT, or an ERROR was sent).</returns>
    private async ValueTask<bool> HandleAsync(StompFrame frame)
    {
        try
        {
            if (Volatile.Read(ref _state) == Handshaking)
            {
                if (frame.Command is not (StompCommand.Connect or StompCommand.Stomp)) throw new StompProtocolException("Expected CONNECT");
                return await ConnectAsync(frame);
            }
            switch (frame.Command)
            {
                case StompCommand.Send:
                    if (!Buffered(frame)) await SendAsync(frame);
                    break;
                case StompCommand.Subscribe:
                    await SubscribeAsync(frame);
                    break;
                case StompCommand.Unsubscribe:
                    await UnsubscribeAsync(frame);
                    break;
                case StompCommand.Ack or StompCommand.Nack:
                    _ = Required(frame, Version == StompVersion.V12 ? "id" : "message-id");
                    if (!Buffered(frame)) Acknowledge(frame);
                    break;
                case StompCommand.Begin:
                    Begin(frame);
                    break;
                case StompCommand.Commit:
                    foreach (var buffered in EndTransaction(frame))
                    {
                        if (buffered.Command == StompCommand.Send) await SendAsync(buffered);
                        else Acknowledge(buffered);
                    }
                    break;
                case StompCommand.Abort:
                    EndTransaction(frame);
                    break;
                case StompCommand.Disconnect:
                    if (frame["receipt"] is { } goodbye) Enqueue(Receipt(goodbye));
                    Close(StompCloseReason.Normal);
                    return false;
                case StompCommand.Connect or StompCommand.Stomp:
                    throw new StompProtocolException("Already connected");
                default:
                    throw new StompProtocolException($"A client may not send {frame.Command.Name()}");
            }
            if (frame["receipt"] is { } receipt) Enqueue(Receipt(receipt));
            return true;
        }
        catch (StompProtocolException ex)
        {
            Fail(ex.Message, frame["receipt"]);
            return false;
        }
    }

    private async ValueTask<bool> ConnectAsync(StompFrame frame)
    {
        if (StompVersions.Negotiate(frame["accept-version"]) is not { } version)
        {
            Fail("No supported protocol version", frame["receipt"], new("version", "1.0,1.1,1.2"));
            return false;
        }
        Version = version;
        if (!StompHeartBeat.TryParse(frame["heart-beat"], out var clientHeartBeat)) throw new StompProtocolException("Invalid heart-beat header");

        var token = StompBearerToken.From(frame["Authorization"] ?? frame["authorization"]) ?? _handshakeToken;
        _handshakeToken = null;
        if (token is null) throw new StompProtocolException("Authentication required: send Authorization: Bearer <token>");
        var principal = await _server.Authenticator.AuthenticateAsync(token, _stopping.Token);
        if (principal is null || principal.ExpiresAt <= _server.Time.GetUtcNow()) throw new StompProtocolException("Invalid or expired token");
        // Sessions of one user share their id and name strings (a user may have many sessions, each one lives long).
        _principal = principal with
        {
            UserId = _server.Strings.Intern(principal.UserId),
            UserName = principal.UserName is null ? null : _server.Strings.Intern(principal.UserName),
        };

        var offer = new StompHeartBeat(_server.Options.HeartBeatSendMilliseconds, _server.Options.HeartBeatReceiveMilliseconds);
        (_sendInterval, _receiveInterval) = StompHeartBeat.Negotiate(clientHeartBeat, offer);
        if (Interlocked.CompareExchange(ref _state, Connected, Handshaking) != Handshaking) return false;

        Enqueue(Encode(StompCommand.Connected,
        [
            new("version", version.Text()),
            new("heart-beat", offer.ToString()),
            new("server", _server.Options.ServerName),
            new("session", SessionId),
            new("user-name", principal.UserId),
        ]));
        StompLog.Connected(_server.Logger, SessionId, principal.UserId, version.Text());
        await NotifyAsync(_server.SessionListeners, listener => listener.OnConnectedAsync(this));
        return true;
    }

    internal static string Required(StompFrame frame, string header) =>
        frame[header] ?? throw new StompProtocolException($"Missing required header '{header}' on {frame.Command.Name()}");

    private static byte[] Receipt(string receiptId) => Encode(StompCommand.Receipt, [new("receipt-id", receiptId)]);

    /// <summary>SEND/ACK/NACK inside a transaction are held until COMMIT; the frame's own receipt still goes out now.</summary>
    private bool Buffered(StompFrame frame)
    {
        if (frame["transaction"] is not { } transaction) return false;
        if (_transactions is null || !_transactions.TryGetValue(transaction, out var frames)) throw new StompProtocolException($"Unknown transaction '{transaction}'");
        if (frames.Count >= _server.Options.MaxFramesPerTransaction) throw new StompProtocolException("Transaction holds too many frames");
        frames.Add(frame);
        return true;
    }

    private void Begin(StompFrame frame)
    {
        var transaction = Required(frame, "transaction");
        _transactions ??= new(StringComparer.Ordinal);
        if (_transactions.ContainsKey(transaction)) throw new StompProtocolException($"Transaction '{transaction}' already begun");
        if (_transactions.Count >= _server.Options.MaxTransactions) throw new StompProtocolException("Too many open transactions");
        _transactions.Add(transaction, []);
    }

    private List<StompFrame> EndTransaction(StompFrame frame)
    {
        var transaction = Required(frame, "transaction");
        if (_transactions is null || !_transactions.Remove(transaction, out var frames)) throw new StompProtocolException($"Unknown transaction '{transaction}'");
        return frames;
    }

    /// <summary>
    /// ACK and NACK both release the pending slot: Shoot fans out live events and keeps history in its store, so there is
    /// nothing to redeliver. Unknown ids are ignored, because a cumulative ACK (ack=client) legitimately retires earlier ids.
    /// </summary>
    private void Acknowledge(StompFrame frame)
    {
        lock (_subscriptionsGate)
        {
            if (_pending is null) return;
            if (Version == StompVersion.V12)
            {
                if (!long.TryParse(frame["id"], out var ackId) || !_pending.Remove(ackId, out var acked)) return;
                if (acked.Subscription.AckMode != StompAckMode.Client) return;
                foreach (var earlier in _pending.Where(p => p.Key < ackId && p.Value.Subscription == acked.Subscription).Select(p => p.Key).ToList())
                {
                    _pending.Remove(earlier);
                }
                return;
            }
            var messageId = frame["message-id"];
            var subscriptionId = frame["subscription"];
            var match = _pending.FirstOrDefault(p => p.Value.MessageId == messageId && (subscriptionId is null || p.Value.Subscription.Id == subscriptionId));
            if (match.Value.Subscription is not null) _pending.Remove(match.Key);
        }
    }
}
