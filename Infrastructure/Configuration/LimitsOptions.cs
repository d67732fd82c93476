using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.Configuration;

/// <summary>
/// Every abuse limit of docs/api.md §9 in one place, so operators (and load tests) can change them without a rebuild.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Shoot:Limits";

    /// <summary>Longest message text, in characters.</summary>
    [Range(1, 1_000_000)] public int MessageTextMaxLength { get; set; } = 4000;

    /// <summary>Messages one user may send per second (burst guard).</summary>
    [Range(1, 1_000_000)] public int MessagesPerSecond { get; set; } = 20;

    /// <summary>Messages one user may send per minute (sustained guard).</summary>
    [Range(1, 10_000_000)] public int MessagesPerMinute { get; set; } = 600;

    /// <summary>Failed logins for one username within <see cref="LoginFailureWindow"/> that lock it.</summary>
    [Range(1, 1000)] public int LoginFailuresBeforeLock { get; set; } = 5;

    /// <summary>The window in which failed logins are counted.</summary>
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a locked username stays locked.</summary>
    public TimeSpan LoginLockDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Requests per minute one client IP may make to the auth endpoints together (signup, login, refresh, logout).</summary>
    [Range(1, 10_000_000)] public int AuthRequestsPerMinutePerIp { get; set; } = 100;

    /// <summary>
    /// How long read moves of a room are gathered before the messages whose readCount changed are re-broadcast, once
    /// each: a room of 50 people opening it at once sends one update per message, not fifty.
    /// </summary>
    public TimeSpan ReadCountWindow { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Open WebSocket/SockJS sessions one client address may hold on one instance (docs/api.md §9: 200); the next handshake
    /// is 429. The address honours <see cref="ShootOptions.TrustForwardedHeaders"/>.
    /// </summary>
    [Range(1, 1_000_000)] public int ConnectionsPerIp { get; set; } = 200;

    /// <summary>Messages one room may receive per second from all its senders together, across instances (docs/api.md §9: 50).</summary>
    [Range(1, 1_000_000)] public int RoomMessagesPerSecond { get; set; } = 50;

    /// <summary>Largest REST request body, in bytes; larger bodies get 413 PAYLOAD_TOO_LARGE.</summary>
    [Range(1024, 100 * 1024 * 1024)] public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
