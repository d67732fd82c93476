using System.Net.WebSockets;
using System.Text;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// Where a session's outgoing frames go: one receiving request (xhr, xhr_streaming, eventsource) or the SockJS
/// WebSocket. A session has at most one at a time.
/// </summary>
internal abstract class SockJsReceiver
{
    /// <summary>False for polling: the request ends after the first frame.</summary>
    public abstract bool Streaming { get; }

    /// <summary>True once a streaming response has carried its byte limit: it ends and the client opens another.</summary>
    public abstract bool Full { get; }

    public abstract ValueTask WriteFrameAsync(string frame, CancellationToken cancellationToken);
}

/// <summary>The three HTTP receiving transports; they differ only in framing, prelude and whether they stream.</summary>
internal sealed class HttpReceiver : SockJsReceiver
{
    public enum Kind { XhrPolling, XhrStreaming, EventSource }

    // The xhr-streaming prelude: 2 KiB of 'h' and a newline, so browsers that buffer a response's start deliver frames at once.
    private static readonly byte[] StreamingPrelude = Encoding.ASCII.GetBytes(new string('h', 2048) + "\n");

    private readonly HttpResponse _response;
    private readonly Kind _kind;
    private readonly long _limit;
    private long _written;

    public HttpReceiver(HttpResponse response, Kind kind, int streamingLimit)
    {
        _response = response;
        _kind = kind;
        _limit = streamingLimit;
    }

    public override bool Streaming => _kind != Kind.XhrPolling;

    public override bool Full => _written >= _limit;

    /// <summary>Status, headers and the transport's prelude, before the session writes anything.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = _kind == Kind.EventSource ? "text/event-stream; charset=UTF-8" : "application/javascript; charset=UTF-8";
        SockJsHttp.NoCache(_response);
        // Frames must reach the client as they are written, not when a buffer fills.
        _response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        switch (_kind)
        {
            case Kind.XhrStreaming:
                await _response.Body.WriteAsync(StreamingPrelude, cancellationToken);
                break;
            case Kind.EventSource:
                await _response.Body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
                break;
        }
        await _response.Body.FlushAsync(cancellationToken);
    }

    public override async ValueTask WriteFrameAsync(string frame, CancellationToken cancellationToken)
    {
        var text = _kind == Kind.EventSource ? "data: " + SockJsFrames.EscapeForEventSource(frame) + "\r\n\r\n" : frame + "\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        _written += bytes.Length;
        await _response.Body.WriteAsync(bytes, cancellationToken);
        await _response.Body.FlushAsync(cancellationToken);
    }
}

/// <summary>The SockJS WebSocket transport: each frame is one text message.</summary>
internal sealed class WebSocketReceiver(WebSocket socket) : SockJsReceiver
{
    public override bool Streaming => true;

    public override bool Full => false;

    public override ValueTask WriteFrameAsync(string frame, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
}
