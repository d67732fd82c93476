namespace Shoot.Infrastructure.Sse;

/// <summary>Server-Sent Event settings.</summary>
public sealed class SseOptions
{
    public const string Section = "Shoot:Sse";

    /// <summary>
    /// How often an idle stream gets a <c>: ping</c> comment (docs/api.md §7: 15 s). Proxies close connections that stay
    /// silent too long, and a write is how the server notices a client that went away.
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);
}
