using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>
/// Previews through the shared cache (<see cref="ICache"/>: Redis when configured), so a URL posted in many rooms, on
/// any instance, is fetched once per <see cref="UrlPreviewOptions.CacheDuration"/>; a URL without a preview is
/// remembered for the shorter <see cref="UrlPreviewOptions.FailureCacheDuration"/>.
/// </summary>
public sealed class CachedUrlPreviewer(HttpUrlPreviewer fetcher, ICache cache, IOptions<UrlPreviewOptions> options, Observability.ShootMetrics metrics)
    : IUrlPreviewer
{
    /// <summary>Cached for a URL that has no preview.</summary>
    internal const string NoPreview = "none";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<UrlPreview?> PreviewAsync(string url, CancellationToken cancellationToken = default)
    {
        var key = CacheKey(url);
        if (await cache.GetAsync(key, cancellationToken) is { } cached)
        {
            metrics.UrlPreviewLookedUp("cached");
            return cached == NoPreview ? null : JsonSerializer.Deserialize<UrlPreview>(cached, Json);
        }
        var preview = await fetcher.PreviewAsync(url, cancellationToken);
        metrics.UrlPreviewLookedUp(preview is null ? "none" : "fetched");
        var settings = options.Value;
        if (preview is null)
            await cache.SetAsync(key, NoPreview, settings.FailureCacheDuration, cancellationToken);
        else
            await cache.SetAsync(key, JsonSerializer.Serialize(preview, Json), settings.CacheDuration, cancellationToken);
        return preview;
    }

    /// <summary>Hashed: a URL may be long and hold anything, a cache key should not.</summary>
    internal static string CacheKey(string url) =>
        "url-preview:v1:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));
}
