using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>What features see of a connected session.</summary>
public interface IStompSession
{
    string SessionId { get; }

    StompPrincipal Principal { get; }

    StompVersion Version { get; }
}

/// <summary>
/// A refusal of a SUBSCRIBE or SEND. It reaches the client as a MESSAGE on <c>/user/queue/errors</c> with the JSON body
/// <c>{code, message, destination, tempId}</c>, and the connection stays open (docs/api.md §6).
/// </summary>
public sealed record StompRefusal(string Code, string Message, string? TempId = null);

/// <summary>Anything registered for a destination prefix. "/app/chat" matches "/app/chat" and "/app/chat/…"; "/topic/" matches everything under it.</summary>
public interface IStompDestinationHandler
{
    string DestinationPrefix { get; }
}

/// <summary>Handles client SENDs to its prefix (features register these, e.g. /app/chat → a Mediator command).</summary>
public interface IStompSendHandler : IStompDestinationHandler
{
    /// <returns>null when accepted; a refusal to report on /user/queue/errors.</returns>
    ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken);
}

public sealed record StompSendContext(IStompSession Session, string Destination, StompFrame Frame)
{
    public ReadOnlyMemory<byte> Body => Frame.Body;
}

/// <summary>
/// Decides who may subscribe to or send to destinations under its prefix. SUBSCRIBE is refused when no authoriser
/// covers the destination (default deny); user destinations (/user/…) need none, as they only ever reach the user's own sessions.
/// </summary>
public interface IStompDestinationAuthorizer : IStompDestinationHandler
{
    ValueTask<StompRefusal?> AuthorizeSubscribeAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken);

    ValueTask<StompRefusal?> AuthorizeSendAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken);
}

/// <summary>
/// Observes subscriptions. <see cref="OnSubscribedAsync"/> runs once the subscription is registered with the broker and
/// before the RECEIPT. Live messages published meanwhile are held back until every hook has returned, so a hook can
/// replay history through <see cref="StompSubscription.Deliver"/> first and call <see cref="StompSubscription.ReplayedThrough"/>
/// to drop held live messages it already replayed (x-resume-after-seq: no gap, no duplicate). Unsubscribe fires on
/// UNSUBSCRIBE and for every subscription left when a session ends (presence needs both).
/// </summary>
public interface IStompSubscriptionListener
{
    ValueTask OnSubscribedAsync(StompSubscription subscription, StompFrame frame, CancellationToken cancellationToken);

    ValueTask OnUnsubscribedAsync(StompSubscription subscription);
}

/// <summary>Observes sessions after CONNECTED and after they end.</summary>
public interface IStompSessionListener
{
    ValueTask OnConnectedAsync(IStompSession session);

    ValueTask OnDisconnectedAsync(IStompSession session);
}

/// <summary>
/// Optional check of a transport's handshake before its session starts (the host registers one: origin policy, per-address
/// caps). Every transport (WebSocket, SockJS) asks the same gate.
/// </summary>
public interface IStompHandshakeGate
{
    /// <returns>A lease to dispose when the session ends; or null after the gate has written its refusal to the response.</returns>
    Task<IDisposable?> AdmitAsync(HttpContext context);

    /// <summary>
    /// The origin part of the check alone, for requests that open no session themselves (SockJS's /info, xhr_send and
    /// CORS preflights): true when the request's Origin may talk to the service; else false after writing the refusal.
    /// </summary>
    Task<bool> AdmitOriginAsync(HttpContext context);

    /// <summary>
    /// The whole check for a handshake read without ASP.NET Core's HTTP stack (the direct WebSocket path): a lease, or
    /// null without logging or answering anything, since that path then hands the request to the HTTP stack, whose
    /// <see cref="AdmitAsync"/> refuses it in full.
    /// </summary>
    IDisposable? TryAdmit(string origin, string clientAddress);
}

/// <summary>Longest-prefix lookup of handlers; built once, read without locks.</summary>
internal sealed class StompDestinationTable<T>(IEnumerable<T> handlers) where T : IStompDestinationHandler
{
    private readonly T[] _byLongestPrefix = handlers.OrderByDescending(h => h.DestinationPrefix.Length).ToArray();

    public T? Find(string destination)
    {
        foreach (var handler in _byLongestPrefix)
        {
            if (Matches(handler.DestinationPrefix, destination)) return handler;
        }
        return default;
    }

    internal static bool Matches(string prefix, string destination) =>
        destination.StartsWith(prefix, StringComparison.Ordinal)
        && (destination.Length == prefix.Length || prefix.EndsWith('/') || destination[prefix.Length] == '/');
}
