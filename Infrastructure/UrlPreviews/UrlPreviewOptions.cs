using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>
/// Limits of URL previews (docs/api.md §9: public http/https addresses only, ≤ 3 redirects re-checked each, ≤ 1 MiB, 5 s,
/// cached). A preview fetch is a request our server makes on a user's behalf, so every limit here is an SSRF guard.
/// </summary>
public sealed class UrlPreviewOptions
{
    public const string Section = "Shoot:UrlPreview";

    /// <summary>Off: no message gets a preview and nothing is ever fetched.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The whole fetch, redirects and body included; past it the preview is given up.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Body bytes read at most; the rest is never read (the preview is made from the head of a larger page).</summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>Redirects followed at most, each re-checked like the first URL.</summary>
    [Range(0, 10)] public int MaxRedirects { get; set; } = 3;

    /// <summary>
    /// Fetch from loopback, private, link-local and other non-public addresses too. For tests and local development
    /// only: with it on, any user who can send a message can make the server request its internal network (cloud
    /// metadata at 169.254.169.254, admin ports on localhost …). Production must leave it false.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>
    /// Fetch from ports other than 80 (http) and 443 (https). Off by default: a page on a public host's other ports is
    /// rarely a web page, and refusing them keeps the server from being used to probe public hosts' other services.
    /// </summary>
    public bool AllowNonDefaultPorts { get; set; }

    /// <summary>How long a preview is kept in the shared cache (every instance reuses it).</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a URL without a preview (refused, failed, not HTML, no tags) is remembered as such.</summary>
    public TimeSpan FailureCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Previews fetched at once by one instance.</summary>
    [Range(1, 64)] public int Workers { get; set; } = 4;

    /// <summary>Saved messages waiting for their preview; beyond it new ones get none (the store writer never waits on it).</summary>
    [Range(1, 1_000_000)] public int QueueCapacity { get; set; } = 10_000;

    internal static bool IsValid(UrlPreviewOptions o) =>
        o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(1)
        && o.CacheDuration > TimeSpan.Zero && o.FailureCacheDuration > TimeSpan.Zero;
}
