using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// Every limit of the STOMP server in one place, bound from <see cref="Section"/>. Each default says why it is what it is;
/// operators and load tests change them through configuration (e.g. <c>Shoot__Stomp__MaxFrameSize</c>).
/// </summary>
public sealed class StompOptions
{
    public const string Section = "Shoot:Stomp";

    /// <summary>
    /// Largest frame accepted, headers and body together. 64 KiB is the documented limit (docs/api.md §9): a 4000-character
    /// message is at most 16 KB of UTF-8, so this leaves room for JSON and headers while capping the memory a single
    /// connection can make the server hold for one unfinished frame.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxFrameSize { get; set; } = 64 * 1024;

    /// <summary>Headers per frame. Real clients send fewer than 15; 64 stops header-flooding without hurting anyone.</summary>
    [Range(4, 1024)]
    public int MaxHeaders { get; set; } = 64;

    /// <summary>Bytes in one header line. 8 KiB fits a large bearer token (JWTs are usually under 2 KiB).</summary>
    [Range(256, 1024 * 1024)]
    public int MaxHeaderLineLength { get; set; } = 8 * 1024;

    /// <summary>
    /// Subscriptions per connection. A chat client subscribes to four topics per open room plus its user queues;
    /// 256 covers dozens of open rooms while bounding the broker's per-connection bookkeeping.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 256;

    /// <summary>
    /// Messages delivered with ack=client/client-individual and not yet acknowledged. A client past this has stopped
    /// acknowledging; remembering its ids without end is the same leak as buffering for a slow consumer, so it is disconnected.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPendingAcks { get; set; } = 1024;

    /// <summary>
    /// Frames queued for one connection before it counts as a slow consumer and is disconnected. 1024 frames absorbs a
    /// burst in a busy room (and a history replay page) yet caps a stuck client at roughly 1024 shared message buffers.
    /// </summary>
    [Range(8, 1_000_000)]
    public int MaxOutboundQueue { get; set; } = 1024;

    /// <summary>Open transactions per connection; every one holds frames in memory until COMMIT or ABORT.</summary>
    [Range(1, 1024)]
    public int MaxTransactions { get; set; } = 8;

    /// <summary>SEND/ACK/NACK frames held by one transaction (each up to <see cref="MaxFrameSize"/>).</summary>
    [Range(1, 100_000)]
    public int MaxFramesPerTransaction { get; set; } = 128;

    /// <summary>
    /// What the server offers in CONNECTED's heart-beat (sx,cy): it can send every 10 s and wants to hear from the client
    /// every 10 s. docs/api.md §6 offers 10000,10000; it keeps dead connections (NAT timeouts, sleeping laptops) from lingering.
    /// </summary>
    [Range(0, 3_600_000)]
    public int HeartBeatSendMilliseconds { get; set; } = 10_000;

    /// <inheritdoc cref="HeartBeatSendMilliseconds"/>
    [Range(0, 3_600_000)]
    public int HeartBeatReceiveMilliseconds { get; set; } = 10_000;

    /// <summary>
    /// How late a client's heart-beat may be before the connection is closed, as a factor of the negotiated interval.
    /// 1.5 tolerates timer jitter and a slow network while still closing a dead client within one and a half intervals.
    /// </summary>
    [Range(1.0, 10.0)]
    public double HeartBeatGraceFactor { get; set; } = 1.5;

    /// <summary>A socket that never sends CONNECT is closed after this; otherwise idle sockets cost nothing to open.</summary>
    [Range(100, 600_000)]
    public int ConnectTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>How long a closing connection may take to flush its queue and finish the WebSocket close handshake.</summary>
    [Range(10, 60_000)]
    public int CloseTimeoutMilliseconds { get; set; } = 2_000;

    /// <summary>
    /// Serve plain HTTP/1.1 WebSocket handshakes for the STOMP endpoint straight from the Kestrel connection (see
    /// <see cref="Direct.DirectWebSocketMiddleware"/>): an open session then keeps no HTTP request alive, which is about
    /// half of an idle connection's memory. Off, every handshake goes through ASP.NET Core's WebSocket middleware.
    /// </summary>
    public bool DirectWebSocket { get; set; } = true;

    /// <summary>Name sent in CONNECTED's <c>server</c> header.</summary>
    [Required]
    public string ServerName { get; set; } = "Shoot/1.0";
}
