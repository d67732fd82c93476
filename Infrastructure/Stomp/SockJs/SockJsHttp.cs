using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Shoot.Infrastructure.Stomp.Server;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// The SockJS service's URLs under a base (e.g. <c>/ws/chat</c>): <c>/info</c>, the raw <c>/websocket</c>, and
/// <c>/{server}/{session}/{transport}</c> for websocket, xhr, xhr_streaming, eventsource and xhr_send. Iframe-based
/// transports (iframe.html, htmlfile, jsonp) are not offered: they exist for cross-domain pages and old browsers.
/// </summary>
public static class SockJsHttp
{
    // A year, as sockjs-node and Spring cache preflights and /info's OPTIONS.
    private const string PreflightMaxAgeSeconds = "31536000";

    private static readonly string[] Transports = ["websocket", "xhr-streaming", "xhr-polling", "eventsource"];

    public static IServiceCollection AddSockJs(this IServiceCollection services)
    {
        services.AddOptions<SockJsOptions>().BindConfiguration(SockJsOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.HeartbeatInterval >= TimeSpan.FromMilliseconds(100) && o.HeartbeatInterval <= TimeSpan.FromMinutes(10),
                "Shoot:SockJs:HeartbeatInterval must be between 100 ms and 10 minutes.")
            .Validate(o => o.DisconnectDelay >= TimeSpan.FromMilliseconds(100) && o.DisconnectDelay <= TimeSpan.FromMinutes(10),
                "Shoot:SockJs:DisconnectDelay must be between 100 ms and 10 minutes.")
            .ValidateOnStart();
        services.AddSingleton<SockJsSessions>();
        return services;
    }

    /// <summary>Maps the SockJS service under <paramref name="prefix"/>; the STOMP server must be mapped too (MapStomp).</summary>
    public static RouteGroupBuilder MapSockJs(this IEndpointRouteBuilder endpoints, string prefix)
    {
        // A transport protocol, not part of the REST API: kept out of the OpenAPI document.
        var group = endpoints.MapGroup(prefix);
        group.ExcludeFromDescription();
        group.Map("/info", InfoAsync);
        // SockJS's raw WebSocket URL: plain STOMP over WebSocket, the same as the base URL itself.
        group.Map("/websocket", StompEndpoint.HandleAsync);
        group.Map("/{file}", async (HttpContext context, string file) =>
        {
            if (!await CorsAsync(context)) return;
            await Refuse(context, StatusCodes.Status404NotFound,
                file.StartsWith("iframe", StringComparison.Ordinal) && file.EndsWith(".html", StringComparison.Ordinal)
                    ? "Iframe-based SockJS transports are not offered; use websocket, xhr-streaming, xhr-polling or eventsource."
                    : "No such endpoint or resource.");
        });
        group.Map("/{server}/{session}/{transport}", DispatchAsync);
        return group;
    }

    internal static void NoCache(HttpResponse response) =>
        response.Headers.CacheControl = "no-store, no-cache, no-transform, must-revalidate, max-age=0";

    /// <summary>
    /// CORS as sockjs-node and Spring's SockJS service answer it, so a page on another origin can use the xhr and
    /// eventsource transports: an allowed Origin (any when <c>Shoot:AllowedOrigins</c> is empty) is echoed with
    /// credentials allowed; a refused one gets 403 and no CORS headers, the same answer as its WebSocket handshake. A
    /// request without Origin is not a CORS request and gets no CORS headers.
    /// </summary>
    /// <returns>False after the refusal has been written.</returns>
    internal static async Task<bool> CorsAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin)) return true;
        if (context.RequestServices.GetService<IStompHandshakeGate>() is { } gate && !await gate.AdmitOriginAsync(context))
            return false;
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowCredentials = "true";
        headers.Vary = "Origin";
        return true;
    }

    private static async Task InfoAsync(HttpContext context)
    {
        if (!await CorsAsync(context)) return;
        if (!IsMethod(context, "GET", out var preflight))
        {
            await preflight;
            return;
        }
        var response = context.Response;
        response.ContentType = "application/json; charset=UTF-8";
        NoCache(response);
        // cookie_needed is false: the proxy keeps a session on one instance by its URL, not by a JSESSIONID cookie.
        await JsonSerializer.SerializeAsync(response.Body, new SockJsInfo(true, Transports, ["*:*"], false, RandomNumberGenerator.GetInt32(int.MaxValue)),
            SockJsJson.Default.SockJsInfo, context.RequestAborted);
    }

    private static async Task DispatchAsync(HttpContext context, string server, string session, string transport)
    {
        if (!await CorsAsync(context)) return;
        // The protocol's session URLs: two non-empty segments without dots (they would make relative URLs of the iframe page ambiguous).
        if (server.Contains('.') || session.Contains('.'))
        {
            await Refuse(context, StatusCodes.Status404NotFound, "Malformed SockJS server or session id.");
            return;
        }
        var sessions = context.RequestServices.GetRequiredService<SockJsSessions>();
        switch (transport)
        {
            case "websocket":
                if (IsMethod(context, "GET", out var wsRefusal)) await WebSocketAsync(context, sessions);
                else await wsRefusal;
                break;
            case "xhr":
                await ReceivingAsync(context, sessions, session, "POST", HttpReceiver.Kind.XhrPolling);
                break;
            case "xhr_streaming":
                await ReceivingAsync(context, sessions, session, "POST", HttpReceiver.Kind.XhrStreaming);
                break;
            case "eventsource":
                await ReceivingAsync(context, sessions, session, "GET", HttpReceiver.Kind.EventSource);
                break;
            case "xhr_send":
                if (IsMethod(context, "POST", out var sendRefusal)) await XhrSendAsync(context, sessions, session);
                else await sendRefusal;
                break;
            case "htmlfile" or "jsonp" or "jsonp_send":
                await Refuse(context, StatusCodes.Status404NotFound, $"The SockJS transport '{transport}' is not offered; use websocket, xhr-streaming, xhr-polling or eventsource.");
                break;
            default:
                await Refuse(context, StatusCodes.Status404NotFound, "Unknown SockJS transport.");
                break;
        }
    }

    private static async Task ReceivingAsync(HttpContext context, SockJsSessions sessions, string id, string method, HttpReceiver.Kind kind)
    {
        if (!IsMethod(context, method, out var refusal))
        {
            await refusal;
            return;
        }
        // A request that would open a session passes the same handshake gate as a raw WebSocket (per-address cap, origin).
        IDisposable? admitted = null;
        if (!sessions.Contains(id))
        {
            admitted = await StompEndpoint.AdmitAsync(context);
            if (admitted is null) return;
        }
        var session = sessions.FindOrOpen(id, context.Request, admitted);
        if (session is null)
        {
            await Refuse(context, StatusCodes.Status404NotFound, "No such SockJS session.");
            return;
        }
        var receiver = new HttpReceiver(context.Response, kind, sessions.Options.StreamingResponseLimitBytes);
        try
        {
            await receiver.StartAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            session.Interrupt();
            return;
        }
        await session.ServeAsync(receiver, context.RequestAborted);
    }

    private static async Task XhrSendAsync(HttpContext context, SockJsSessions sessions, string id)
    {
        var session = sessions.Find(id, context.Connection.RemoteIpAddress);
        if (session is null)
        {
            await Refuse(context, StatusCodes.Status404NotFound, "No such SockJS session.");
            return;
        }
        var limit = sessions.Options.MaxIncomingMessageBytes;
        if (context.Request.ContentLength > limit)
        {
            await Refuse(context, StatusCodes.Status413PayloadTooLarge, $"A SockJS message body may hold at most {limit} bytes.");
            return;
        }
        var body = await ReadBodyAsync(context.Request, limit, context.RequestAborted);
        if (body is null)
        {
            await Refuse(context, StatusCodes.Status413PayloadTooLarge, $"A SockJS message body may hold at most {limit} bytes.");
            return;
        }
        // The protocol suite expects 500 for these two; a client error is not a server failure, so they are 400 here
        // (sockjs-client treats any status but 200/204 the same way: the send failed).
        if (body.Length == 0)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "Payload expected: a JSON array of strings.");
            return;
        }
        var messages = new List<string>();
        if (!SockJsFrames.TryParseMessageArray(body, messages))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "Broken JSON encoding: the body must be a JSON array of strings.");
            return;
        }
        if (!await session.ReceiveAsync(messages, context.RequestAborted))
        {
            await Refuse(context, StatusCodes.Status404NotFound, "The SockJS session is closed.");
            return;
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        context.Response.ContentType = "text/plain; charset=UTF-8";
        NoCache(context.Response);
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (bodies without Content-Length are read up to it).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Min(limit, 4096));
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0) return buffer.WrittenSpan.ToArray();
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
    }

    private static async Task WebSocketAsync(HttpContext context, SockJsSessions sessions)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "Can \"Upgrade\" only to \"WebSocket\".");
            return;
        }
        using var admitted = await StompEndpoint.AdmitAsync(context);
        if (admitted is null) return;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var session = sessions.OpenUnregistered(context.Request, out var stomp);
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var receiving = ReceiveWebSocketAsync(socket, session, sessions.Options.MaxIncomingMessageBytes, closed);
        await session.ServeAsync(new WebSocketReceiver(socket), closed.Token);
        // The close frame (or a broken connection) ended the session's output: finish the WebSocket close handshake.
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "Bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            await receiving.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or IOException or OperationCanceledException)
        {
            socket.Abort();
        }
        await closed.CancelAsync();
        await receiving;
        await stomp;
    }

    /// <summary>Client messages into the session; a closed socket or broken framing ends the session.</summary>
    private static async Task ReceiveWebSocketAsync(WebSocket socket, SockJsSession session, int limit, CancellationTokenSource closed)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var messages = new List<string>();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(4096), closed.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > limit)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", closed.Token);
                    break;
                }
                if (!result.EndOfMessage) continue;
                messages.Clear();
                // Empty messages are ignored, as the protocol asks.
                var ok = buffer.WrittenCount == 0 || SockJsFrames.TryParseWebSocketMessage(buffer.WrittenSpan, messages);
                buffer.ResetWrittenCount();
                if (!ok)
                {
                    await socket.CloseOutputAsync((WebSocketCloseStatus)3000, "Broken framing.", closed.Token);
                    break;
                }
                if (!await session.ReceiveAsync(messages, closed.Token)) break;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client vanished.
        }
        session.Interrupt();
        await closed.CancelAsync();
    }

    /// <summary>
    /// True when the request has <paramref name="method"/>; else the answer: 204 for a CORS preflight (OPTIONS) with the
    /// methods, the requested headers and a year's max-age (as sockjs-node answers), 405 otherwise.
    /// </summary>
    private static bool IsMethod(HttpContext context, string method, out Task refusal)
    {
        refusal = Task.CompletedTask;
        if (HttpMethods.Equals(context.Request.Method, method)) return true;
        context.Response.Headers.Allow = "OPTIONS, " + method;
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            var headers = context.Response.Headers;
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            headers.AccessControlAllowMethods = "OPTIONS, " + method;
            var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
            if (!string.IsNullOrEmpty(requested)) headers.AccessControlAllowHeaders = requested;
            headers.AccessControlMaxAge = PreflightMaxAgeSeconds;
            headers.CacheControl = "public, max-age=" + PreflightMaxAgeSeconds;
            return false;
        }
        refusal = Refuse(context, StatusCodes.Status405MethodNotAllowed, $"Use {method} here.");
        return false;
    }

    private static Task Refuse(HttpContext context, int status, string message) =>
        EnvelopeWriter.WriteErrorAsync(context, status, status switch
        {
            StatusCodes.Status404NotFound => "NOT_FOUND",
            StatusCodes.Status405MethodNotAllowed => "METHOD_NOT_ALLOWED",
            StatusCodes.Status413PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            _ => "VALIDATION_FAILED",
        }, message);
}

internal sealed record SockJsInfo(
    [property: System.Text.Json.Serialization.JsonPropertyName("websocket")] bool Websocket,
    [property: System.Text.Json.Serialization.JsonPropertyName("transports")] string[] Transports,
    [property: System.Text.Json.Serialization.JsonPropertyName("origins")] string[] Origins,
    [property: System.Text.Json.Serialization.JsonPropertyName("cookie_needed")] bool CookieNeeded,
    [property: System.Text.Json.Serialization.JsonPropertyName("entropy")] int Entropy);

[System.Text.Json.Serialization.JsonSerializable(typeof(SockJsInfo))]
internal sealed partial class SockJsJson : System.Text.Json.Serialization.JsonSerializerContext;
