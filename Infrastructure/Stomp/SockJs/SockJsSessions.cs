using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Hosting;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// The HTTP-transport sessions of this instance by session id. Sessions live in memory, so every request of one
/// session must reach this instance (docs/stomp.md: the proxy hashes on the session path segment). WebSocket
/// sessions need no entry: one connection carries the whole session.
/// </summary>
internal sealed class SockJsSessions(
    StompServer server,
    IOptions<SockJsOptions> options,
    IOptions<StompOptions> stompOptions,
    IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<string, SockJsSession> _sessions = new(StringComparer.Ordinal);

    public SockJsOptions Options => options.Value;

    public int Count => _sessions.Count;

    public bool Contains(string id) => _sessions.ContainsKey(id);

    /// <summary>The session, or null when it does not exist or belongs to another client address.</summary>
    public SockJsSession? Find(string id, IPAddress? remoteAddress) =>
        _sessions.TryGetValue(id, out var session) && SameClient(session, remoteAddress) ? session : null;

    /// <summary>
    /// The session of a receiving request: the existing one, or a new one whose STOMP session starts now with the
    /// request's <c>?token=</c> / Authorization as handshake token. Null when the id belongs to another client address.
    /// </summary>
    /// <param name="admission">The handshake gate's lease for a new session, held until it ends (released at once when the id exists).</param>
    public SockJsSession? FindOrOpen(string id, HttpRequest request, IDisposable? admission = null)
    {
        var remoteAddress = request.HttpContext.Connection.RemoteIpAddress;
        if (!_sessions.TryGetValue(id, out var session))
        {
            var candidate = new SockJsSession(id, remoteAddress, options.Value, stompOptions.Value, forget: s => _sessions.TryRemove(new(s.Id, s)));
            session = _sessions.GetOrAdd(id, candidate);
            // Two first requests racing for one id: only the one whose session was stored starts it.
            if (ReferenceEquals(session, candidate))
            {
                Run(session, StompEndpoint.HandshakeToken(request), admission);
                admission = null;
            }
        }
        admission?.Dispose();
        return SameClient(session, remoteAddress) ? session : null;
    }

    /// <summary>A session for one SockJS WebSocket, not registered: its connection is the whole session.</summary>
    public SockJsSession OpenUnregistered(HttpRequest request, out Task stomp)
    {
        var session = new SockJsSession("websocket", request.HttpContext.Connection.RemoteIpAddress, options.Value, stompOptions.Value, forget: null);
        stomp = Run(session, StompEndpoint.HandshakeToken(request));
        return session;
    }

    private Task Run(SockJsSession session, string? handshakeToken, IDisposable? admission = null) => Task.Run(async () =>
    {
        try
        {
            // Not tied to any one request: the session outlives the request that opened it.
            await server.RunSessionAsync(session, handshakeToken, lifetime.ApplicationStopped);
        }
        finally
        {
            await session.DisposeAsync();
            admission?.Dispose();
        }
    });

    private static bool SameClient(SockJsSession session, IPAddress? remoteAddress) =>
        session.RemoteAddress is null || remoteAddress is null || session.RemoteAddress.Equals(remoteAddress);
}
