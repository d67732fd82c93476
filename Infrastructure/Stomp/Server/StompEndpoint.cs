using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>The HTTP side of /ws/chat: WebSocket upgrade, subprotocol choice, handshake token, then hand-off to the session.</summary>
internal static class StompEndpoint
{
    // Most preferred first; a client offering several gets the newest we share.
    private static readonly string[] SubProtocols = ["v12.stomp", "v11.stomp", "v10.stomp"];

    /// <summary>The subprotocol to answer a handshake offering <paramref name="offered"/> with, or null for none.</summary>
    internal static string? ChooseSubProtocol(IEnumerable<string> offered) =>
        SubProtocols.FirstOrDefault(p => offered.Contains(p, StringComparer.OrdinalIgnoreCase));

    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("STOMP over WebSocket only");
            return;
        }
        var subProtocol = ChooseSubProtocol(context.WebSockets.WebSocketRequestedProtocols);
        var handshakeToken = HandshakeToken(context.Request);

        // Checks at the handshake (the host's origin policy and per-address cap), before the upgrade: a refusal is an ordinary HTTP answer.
        using var admitted = await AdmitAsync(context);
        if (admitted is null) return;

        var server = context.RequestServices.GetRequiredService<StompServer>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subProtocol,
            // STOMP heart-beats already detect dead peers; WebSocket pings on top would only add traffic.
            KeepAliveInterval = TimeSpan.Zero,
        });
        await using var transport = new WebSocketStompTransport(socket, server);
        await server.RunSessionAsync(transport, handshakeToken, context.RequestAborted);
    }

    /// <summary>
    /// The host's handshake gate (origin policy, per-address cap) for a new session of any transport: a lease to hold
    /// until the session ends, or null when the gate has already written its refusal.
    /// </summary>
    internal static async Task<IDisposable?> AdmitAsync(HttpContext context) =>
        context.RequestServices.GetService<IStompHandshakeGate>() is { } gate ? await gate.AdmitAsync(context) : NoGate.Instance;

    internal sealed class NoGate : IDisposable
    {
        public static readonly NoGate Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>Browsers cannot set headers on a WebSocket handshake, hence <c>?token=</c>; other clients may use Authorization.</summary>
    internal static string? HandshakeToken(HttpRequest request) =>
        HandshakeToken(request.Query.TryGetValue("token", out var token) ? token.ToString() : null, request.Headers.Authorization.ToString());

    /// <summary>The handshake's token: <c>?token=</c> when given and not empty, else a bearer Authorization header.</summary>
    internal static string? HandshakeToken(string? queryToken, string authorization) =>
        !string.IsNullOrEmpty(queryToken) ? queryToken : StompBearerToken.From(authorization);
}
