using System.Buffers;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

public enum StompAckMode : byte
{
    Auto,
    Client,
    ClientIndividual,
}

/// <summary>A subscription id and its MESSAGE frames' first lines, shared by the subscriptions that use the id.</summary>
internal sealed class SubscriptionId(string id)
{
    public static readonly Func<string, SubscriptionId> Create = static id => new(id);

    public string Id { get; } = id;

    /// <summary>"MESSAGE\nsubscription:{id}\n".</summary>
    public byte[] MessagePrefix { get; } = EncodeMessagePrefix(id);

    private static byte[] EncodeMessagePrefix(string id)
    {
        var prefix = new ArrayBufferWriter<byte>(32 + id.Length);
        StompFrameWriter.WriteCommand(prefix, StompCommand.Message);
        StompFrameWriter.WriteHeader(prefix, "subscription", id);
        return prefix.WrittenSpan.ToArray();
    }
}

/// <summary>One SUBSCRIBE of one session.</summary>
public sealed class StompSubscription
{
    internal StompSubscription(StompSession session, SubscriptionId id, string destination, StompAckMode ackMode, string? userKey)
    {
        Session = session;
        Id = id.Id;
        MessagePrefix = id.MessagePrefix;
        Destination = destination;
        AckMode = ackMode;
        UserKey = userKey;
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

    /// <summary>"MESSAGE\nsubscription:{id}\n", encoded once (shared by subscriptions with the same id) and reused for every delivery.</summary>
    internal byte[] MessagePrefix { get; }

    /// <summary>Queues a message for this subscription alone (e.g. a history replay). False if the session is gone or overloaded.</summary>
    public bool Deliver(StompEncodedMessage message) => Session.Deliver(this, message);

    /// <summary>
    /// Called by a SUBSCRIBE hook after replaying history up to <paramref name="sequence"/>: live messages that arrived
    /// meanwhile with a <see cref="StompEncodedMessage.Sequence"/> at or below it are dropped as duplicates.
    /// </summary>
    public void ReplayedThrough(long sequence)
    {
        var held = Volatile.Read(ref _held);
        if (held is null) return; // live delivery has begun: too late for a replay to matter
        lock (held)
        {
            if (_held is not null) _replayedThrough = Math.Max(_replayedThrough ?? long.MinValue, sequence);
        }
    }

    // While SUBSCRIBE hooks run, live broker messages wait here, so a replay can come first with no gap and no duplicate.
    // The list is also the lock for the hand-over (a lock object per subscription would outlive the hooks).
    private List<StompEncodedMessage>? _held = [];
    private long? _replayedThrough;

    /// <summary>The broker's path. Lock-free once the hooks are done; until then, buffered (bounded by the outbound queue).</summary>
    internal bool DeliverLive(StompEncodedMessage message)
    {
        if (Volatile.Read(ref _held) is { } held)
        {
            lock (held)
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
        var held = Volatile.Read(ref _held);
        if (held is null) return;
        lock (held)
        {
            foreach (var message in held)
            {
                if (message.Sequence <= _replayedThrough) continue;
                Session.Deliver(this, message);
            }
            Volatile.Write(ref _held, null);
        }
    }
}
