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
}
