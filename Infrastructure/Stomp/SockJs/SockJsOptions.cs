using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.Stomp.SockJs;

/// <summary>
/// The SockJS service under <c>/ws/chat</c>, section <see cref="Section"/>. Defaults are those of sockjs-node and
/// Spring's SockJS service, which the SockJS clients are tuned for.
/// </summary>
public sealed class SockJsOptions
{
    public const string Section = "Shoot:SockJs";

    /// <summary>
    /// An <c>h</c> frame goes to a receiving request that has had nothing else for this long. 25 s keeps proxies with
    /// a 30 s idle timeout (the common default) from cutting streams; a polling request is answered with it.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// A session with no receiving request for this long is taken as gone and its STOMP session ends. 5 s covers the
    /// gap between two polls (or a streaming request's reconnect) on a slow network.
    /// </summary>
    public TimeSpan DisconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An xhr-streaming or eventsource response is ended after this many bytes, so the browser can free what it
    /// buffered; the client opens the next one at once. 128 KiB as in sockjs-node and Spring.
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int StreamingResponseLimitBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// Largest xhr_send body or SockJS WebSocket message. A STOMP frame is at most 64 KiB (<c>Shoot:Stomp:MaxFrameSize</c>)
    /// and JSON quoting may grow it (control characters become six bytes), so 256 KiB; larger bodies get 413.
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxIncomingMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Outgoing text held for a session while no receiving request is attached (between two polls). Beyond it the
    /// STOMP writer waits, its queue fills, and the slow-consumer rule disconnects the client, as on a WebSocket.
    /// </summary>
    [Range(64 * 1024, 256 * 1024 * 1024)]
    public int MaxBufferedBytes { get; set; } = 1024 * 1024;
}
