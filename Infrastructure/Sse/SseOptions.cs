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

    /// <summary>
    /// The shortest time between two announcing passes (<c>room-update</c> and <c>unread</c> events): activity after a
    /// quiet spell is announced at once; activity within the window of the last pass waits for the window's end and
    /// goes out once, with the counts of that moment. Each announcement costs one event per participant, so without a
    /// window a busy room pays that for every message; with it, at most once per window. Zero: no waiting.
    /// </summary>
    public TimeSpan AnnounceWindow { get; set; } = TimeSpan.FromMilliseconds(200);
}
