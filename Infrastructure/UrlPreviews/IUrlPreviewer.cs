using Shoot.Infrastructure.Messaging;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>The URL preview port: what a page says about itself (Open Graph, else its title and description).</summary>
public interface IUrlPreviewer
{
    /// <summary>
    /// The preview of <paramref name="url"/>, or null when there is none: refused (not public http/https, see
    /// <see cref="UrlPreviewOptions"/>), failed, too slow, not HTML, or without any tag to show. Never throws for any of those.
    /// </summary>
    Task<UrlPreview?> PreviewAsync(string url, CancellationToken cancellationToken = default);
}
