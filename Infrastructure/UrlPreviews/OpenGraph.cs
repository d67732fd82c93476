using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>
/// A page's preview from its Open Graph tags (og:title, og:description, og:image, og:site_name, og:url), falling back to
/// &lt;title&gt; and &lt;meta name="description"&gt;. Parsing only: AngleSharp here loads nothing and runs no script.
/// </summary>
public static class OpenGraph
{
    private const int MaxTextLength = 500;
    private const int MaxUrlLength = 2048;

    /// <param name="html">The body as received (possibly cut at the byte limit).</param>
    /// <param name="charset">The Content-Type's charset, if any; else the page's own meta charset, else UTF-8.</param>
    /// <param name="finalUrl">Where the page was found after redirects: relative og:image and og:url resolve against it.</param>
    /// <param name="requestedUrl">The URL as the message holds it: the preview's url unless og:url names another.</param>
    /// <returns>Null when the page has nothing to show (no title, description, image or site name).</returns>
    public static UrlPreview? Extract(byte[] html, string? charset, Uri finalUrl, string requestedUrl)
    {
        var parser = new HtmlParser(new HtmlParserOptions { IsScripting = false });
        using var document = EncodingOf(charset) is { } encoding
            ? parser.ParseDocument(encoding.GetString(html))
            : parser.ParseDocument(new MemoryStream(html, writable: false));

        var title = Text(Meta(document, "og:title")) ?? Text(document.QuerySelector("title")?.TextContent);
        var description = Text(Meta(document, "og:description")) ?? Text(MetaNamed(document, "description"));
        var image = Absolute(Meta(document, "og:image"), finalUrl);
        var siteName = Text(Meta(document, "og:site_name"));
        if (title is null && description is null && image is null && siteName is null)
            return null;
        var url = Absolute(Meta(document, "og:url"), finalUrl) ?? requestedUrl;
        return new UrlPreview(url, title, description, image, siteName);
    }

    // Open Graph says property=; many pages write name= instead.
    private static string? Meta(IDocument document, string property) =>
        document.QuerySelectorAll("meta")
            .FirstOrDefault(m => string.Equals(m.GetAttribute("property") ?? m.GetAttribute("name"), property, StringComparison.OrdinalIgnoreCase))
            ?.GetAttribute("content");

    private static string? MetaNamed(IDocument document, string name) =>
        document.QuerySelectorAll("meta")
            .FirstOrDefault(m => string.Equals(m.GetAttribute("name"), name, StringComparison.OrdinalIgnoreCase))
            ?.GetAttribute("content");

    private static string? Text(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var collapsed = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length <= MaxTextLength ? collapsed : collapsed[..(MaxTextLength - 1)] + "…";
    }

    /// <summary>An http(s) URL, resolved against the page's address; anything else (javascript:, data:, too long) is dropped.</summary>
    private static string? Absolute(string? value, Uri baseUrl)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxUrlLength || !Uri.TryCreate(baseUrl, value.Trim(), out var resolved))
            return null;
        return resolved.Scheme == Uri.UriSchemeHttp || resolved.Scheme == Uri.UriSchemeHttps ? resolved.AbsoluteUri : null;
    }

    private static Encoding? EncodingOf(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
            return null;
        try
        {
            return Encoding.GetEncoding(charset.Trim('"', '\'', ' '));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
