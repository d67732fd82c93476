using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// What every session needs, resolved once: options, broker, the authenticator and the handlers features registered.
/// Runs sessions over any <see cref="IStompTransport"/>.
/// </summary>
public sealed class StompServer
{
    public StompServer(
        IOptions<StompOptions> options,
        StompBroker broker,
        IStompAuthenticator authenticator,
        IEnumerable<IStompSendHandler> sendHandlers,
        IEnumerable<IStompDestinationAuthorizer> authorizers,
        IEnumerable<IStompSubscriptionListener> subscriptionListeners,
        IEnumerable<IStompSessionListener> sessionListeners,
        ILoggerFactory loggerFactory,
        TimeProvider? timeProvider = null,
        Observability.ShootMetrics? metrics = null)
    {
        Metrics = metrics;
        Options = options.Value;
        Broker = broker;
        Authenticator = authenticator;
        SendHandlers = new StompDestinationTable<IStompSendHandler>(sendHandlers);
        Authorizers = new StompDestinationTable<IStompDestinationAuthorizer>(authorizers);
        SubscriptionListeners = subscriptionListeners.ToArray();
        SessionListeners = sessionListeners.ToArray();
        Logger = loggerFactory.CreateLogger("Shoot.Stomp");
        Time = timeProvider ?? TimeProvider.System;
        Limits = new StompParserLimits(Options.MaxFrameSize, Options.MaxHeaders, Options.MaxHeaderLineLength);
        MessagePipeOptions = WebSocketStompTransport.MessagePipeOptions(Options);
        Watchdog = new SessionWatchdog((exception, sessionId) => StompLog.SessionFailed(Logger, exception, sessionId));
    }

    /// <summary>
    /// Authorized destinations, authenticated users' ids and names, admitted client addresses: one copy for all sessions.
    /// Enough entries for every room and user of a large instance; beyond them nothing more is shared.
    /// </summary>
    internal SharedStrings Strings { get; } = new(capacity: 50_000, maxLength: 256);

    /// <summary>
    /// Subscription ids with their encoded MESSAGE prefix. Clients use a few fixed ids, but any client may pick any id,
    /// so this holds few: a client cycling through ids fills it and then simply shares nothing new.
    /// </summary>
    internal SharedValues<SubscriptionId> SubscriptionIds { get; } = new(capacity: 1_000, maxKeyLength: 64);

    /// <summary>Every session's deadlines, on one clock.</summary>
    internal SessionWatchdog Watchdog { get; }

    internal StompOptions Options { get; }

    internal StompBroker Broker { get; }

    internal IStompAuthenticator Authenticator { get; }

    internal StompDestinationTable<IStompSendHandler> SendHandlers { get; }

    internal StompDestinationTable<IStompDestinationAuthorizer> Authorizers { get; }

    internal IStompSubscriptionListener[] SubscriptionListeners { get; }

    internal IStompSessionListener[] SessionListeners { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal StompParserLimits Limits { get; }

    /// <summary>
    /// The options of the pipe of received STOMP bytes that a session behind ASP.NET Core's WebSocket has (the direct
    /// path reads Kestrel's own buffer): shared, not made per session.
    /// </summary>
    internal System.IO.Pipelines.PipeOptions MessagePipeOptions { get; }

    internal Observability.ShootMetrics? Metrics { get; }

    /// <summary>Runs one session to its end. <paramref name="handshakeToken"/> is the token from the transport's handshake, if any.</summary>
    public Task RunSessionAsync(IStompTransport transport, string? handshakeToken, CancellationToken cancellationToken) =>
        new StompSession(this, transport, handshakeToken).RunAsync(cancellationToken);

    /// <summary>Closes every session cleanly (WebSocket "going away"), for graceful shutdown.</summary>
    public void CloseAll()
    {
        foreach (var session in Broker.Sessions) session.Close(StompCloseReason.GoingAway);
    }
}
