using System.Buffers;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

public enum StompAckMode : byte
{
    Auto,
    Client,
    ClientIndividual,
}

/// <summary>One SUBSCRIBE of one session.</summary>
public sealed class StompSubscription
{
    internal StompSubscription(StompSession session, string id, string destination, StompAckMode ackMode, string? userKey)
    {
        Session = session;
        Id = id;
        Destination = destination;
        AckMode = ackMode;
        UserKey = userKey;
        var prefix = new ArrayBufferWriter<byte>(32 + id.Length);
        StompFrameWriter.WriteCommand(prefix, StompCommand.Message);
        StompFrameWriter.WriteHeader(prefix, "subscription", id);
        MessagePrefix = prefix.WrittenSpan.ToArray();
    }

    internal StompSession Session { get; }

    /// <summary>Set on UNSUBSCRIBE/disconnect so a publish racing with removal does not deliver to it.</summary>
    internal volatile bool Removed;

    public IStompSession Owner => Session;

    public string Id { get; }

    public string Destination { get; }

    public StompAckMode AckMode { get; }

    /// <summary>The user id for a /user/… destination (routing key part), otherwise null.</summary>
    internal string? UserKey { get; }

    /// <summary>"MESSAGE\nsubscription:{id}\n", encoded once at SUBSCRIBE time and reused for every delivery.</summary>
    internal byte[] MessagePrefix { get; }

    /// <summary>Queues a message for this subscription alone (e.g. a history replay). False if the session is gone or overloaded.</summary>
    public bool Deliver(StompEncodedMessage message) => Session.Deliver(this, message);

    /// <summary>
    /// Called by a SUBSCRIBE hook after replaying history up to <paramref name="sequence"/>: live messages that arrived
    /// meanwhile with a <see cref="StompEncodedMessage.Sequence"/> at or below it are dropped as duplicates.
    /// </summary>
    public void ReplayedThrough(long sequence)
    {
        lock (_heldGate) _replayedThrough = Math.Max(_replayedThrough ?? long.MinValue, sequence);
    }

    // While SUBSCRIBE hooks run, live broker messages wait here, so a replay can come first with no gap and no duplicate.
    private readonly Lock _heldGate = new();
    private List<StompEncodedMessage>? _held = [];
    private long? _replayedThrough;

    /// <summary>The broker's path. Lock-free once the hooks are done; until then, buffered (bounded by the outbound queue).</summary>
    internal bool DeliverLive(StompEncodedMessage message)
    {
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_heldGate)
            {
                if (_held is not null)
                {
                    if (_held.Count >= Session.OutboundCapacity) return Session.DisconnectSlowConsumer();
                    _held.Add(message);
                    return true;
                }
            }
        }
        return Session.Deliver(this, message);
    }

    /// <summary>Flushes what arrived while the hooks ran, in order, then switches to direct delivery.</summary>
    internal void ReleaseHeld()
    {
        lock (_heldGate)
        {
            foreach (var message in _held ?? [])
            {
                if (message.Sequence <= _replayedThrough) continue;
                Session.Deliver(this, message);
            }
            Volatile.Write(ref _held, null);
        }
    }
}
