using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// A Kestrel connection middleware that serves the STOMP endpoint's WebSocket handshake itself, before ASP.NET Core's
/// HTTP stack sees the connection.
/// <para>
/// Why: behind ASP.NET Core's WebSocket middleware, the HTTP/1 request that carried the handshake stays alive for the
/// session's whole life (its connection state, headers, features, output producer, activity): 8–9 KB of a 22 KB idle
/// session (docs/performance.md, "Second profile"). Here the session runs on the connection's own pipes, and the
/// request is gone once the 101 is written.
/// </para>
/// <para>
/// What it takes: only a connection whose first request is a plain, well-formed upgrade for the endpoint's path
/// (<see cref="WebSocketUpgradeRequest"/>), to a host the host filter allows, whose origin and address the handshake
/// gate admits. Everything else, refusals included, goes on to the HTTP stack untouched (nothing is consumed), which
/// answers as it always has: the refusals keep one implementation, and a connection this path does not understand is
/// never worse off.
/// </para>
/// </summary>
internal sealed class DirectWebSocketMiddleware(ConnectionDelegate next, IServiceProvider services)
{
    private readonly DirectWebSocketPaths _paths = services.GetRequiredService<DirectWebSocketPaths>();
    private readonly StompServer _server = services.GetRequiredService<StompServer>();
    private readonly IStompHandshakeGate? _gate = services.GetService<IStompHandshakeGate>();
    private readonly IOptionsMonitor<HostFilteringOptions> _hosts = services.GetRequiredService<IOptionsMonitor<HostFilteringOptions>>();

    /// <summary>
    /// How long the handshake's bytes may take to arrive before the connection is handed to the HTTP stack, whose own
    /// header timeout then applies (so a silent client is not held here forever).
    /// </summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (!_server.Options.DirectWebSocket || _paths.Paths.Count == 0)
        {
            await next(connection);
            return;
        }
        var (request, lease) = await ReadHandshakeAsync(connection);
        if (request is null || lease is null)
        {
            await next(connection);
            return;
        }
        using (lease)
        {
            // Everything the session needs from the request is taken before the first await: the request (its headers,
            // key and path) is then not kept alive for the session's whole life by this method's state.
            var token = StompEndpoint.HandshakeToken(request.QueryToken, request.Authorization);
            var answer = SwitchingProtocols(request, StompEndpoint.ChooseSubProtocol(request.SubProtocols));
            try
            {
                await connection.Transport.Output.WriteAsync(answer);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                return; // the client left during its own handshake: nothing to run
            }
            await using var transport = new DirectWebSocketStompTransport(connection, _server);
            // Handed to the session, not held here: this method's state lives as long as the session, and the session
            // itself lets go of the token once CONNECT has used it.
            var sessionToken = token;
            token = null;
            // No cancellation token: when the connection closes, Kestrel completes its input and the session's read
            // ends; a registration on ConnectionClosed would cost every idle session two objects for nothing.
            await _server.RunSessionAsync(transport, sessionToken, CancellationToken.None);
        }
    }

    /// <summary>
    /// The handshake and its admission lease when this path takes the connection (the request's bytes consumed); else
    /// nulls with nothing consumed, so the HTTP stack reads the same bytes.
    /// </summary>
    private async Task<(WebSocketUpgradeRequest? Request, IDisposable? Lease)> ReadHandshakeAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // Not linked to ConnectionClosed (a closed connection completes the read anyway): a linked source leaves its
        // registration node on the connection's token source for the connection's whole life, 150 bytes per session.
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return (null, null);
            }
            var buffer = read.Buffer;
            var (parse, request, end) = Parse(buffer);
            if (parse == UpgradeParse.Incomplete && !read.IsCompleted && !read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var lease = request is not null && IsAllowedHost(request.Host) ? Admit(connection, request) : null;
            input.AdvanceTo(lease is null ? buffer.Start : end);
            return (request, lease);
        }
    }

    private (UpgradeParse, WebSocketUpgradeRequest?, SequencePosition) Parse(ReadOnlySequence<byte> buffer)
    {
        var result = UpgradeParse.NotThisEndpoint;
        foreach (var path in _paths.Paths)
        {
            var parse = WebSocketUpgradeRequest.Parse(buffer, path, out var request, out var end);
            if (parse == UpgradeParse.Upgrade)
                return (parse, request, end);
            if (parse == UpgradeParse.Incomplete)
                result = parse;
        }
        return (result, null, buffer.Start);
    }

    private IDisposable? Admit(ConnectionContext connection, WebSocketUpgradeRequest request)
    {
        // Shared: the admission lease holds it for the session's life, and clients behind one address have many sessions.
        var address = _server.Strings.Intern((connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown");
        return _gate is null ? StompEndpoint.NoGate.Instance : _gate.TryAdmit(request.Origin, address);
    }

    /// <summary>The host filter's own matching (AllowedHosts: wildcards, ports, IPv6); a foreign host is the HTTP stack's to refuse.</summary>
    private bool IsAllowedHost(string host)
    {
        var allowed = _hosts.CurrentValue.AllowedHosts;
        if (allowed.Count == 0 || allowed.Contains("*"))
            return true;
        return HostString.MatchesAny(new StringSegment(host), allowed.Select(h => new StringSegment(h)).ToList());
    }

    private static byte[] SwitchingProtocols(WebSocketUpgradeRequest request, string? subProtocol)
    {
        var response = new StringBuilder()
            .Append("HTTP/1.1 101 Switching Protocols\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Sec-WebSocket-Accept: ").Append(request.AcceptKey).Append("\r\n");
        if (subProtocol is not null)
            response.Append("Sec-WebSocket-Protocol: ").Append(subProtocol).Append("\r\n");
        response.Append("\r\n");
        return Encoding.ASCII.GetBytes(response.ToString());
    }
}
