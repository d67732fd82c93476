using System.IO.Pipelines;

namespace Shoot.Infrastructure.Stomp.Server;

public enum StompCloseReason
{
    /// <summary>DISCONNECT, or the client went away.</summary>
    Normal,

    /// <summary>An ERROR frame was sent (protocol violation, auth failure, heart-beat timeout, slow consumer).</summary>
    ProtocolError,

    /// <summary>The server is shutting down.</summary>
    GoingAway,
}

/// <summary>
/// A byte stream to one client. The session and broker only see this, so SockJS (or a test pipe) can be added as another
/// transport without touching them. Message boundaries of the underlying transport are erased: STOMP frames may span
/// transport messages and one message may hold several frames.
/// </summary>
public interface IStompTransport : IAsyncDisposable
{
    /// <summary>The transport's name on the sessions metric: "websocket", "sockjs".</summary>
    string Name { get; }

    /// <summary>Inbound bytes; completed when the client closes.</summary>
    PipeReader Input { get; }

    /// <summary>Sends one batch of whole frames. <paramref name="isUtf8"/> lets text-framed transports choose text vs binary.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken);

    /// <summary>Closes gracefully after everything sent so far.</summary>
    Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken);

    /// <summary>Drops the connection now (slow consumer, close timeout).</summary>
    void Abort();
}
