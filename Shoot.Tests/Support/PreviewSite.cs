using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Shoot.Tests.Support;

/// <summary>
/// A real web server on 127.0.0.1 (Kestrel, a free port) with the pages URL previews meet: Open Graph tags, a bare
/// title, redirect chains, a body over 1 MiB, a response that never comes, JSON. It counts the requests of each path.
/// </summary>
public sealed class PreviewSite : IAsyncDisposable
{
    public const string OgPage = """
        <!doctype html><html><head>
        <title>Fallback title</title>
        <meta property="og:title" content="  The Shoot   blog ">
        <meta property="og:description" content="Chat that scales">
        <meta property="og:image" content="/img/cover.png">
        <meta property="og:site_name" content="Shoot">
        <meta name="description" content="not this one">
        </head><body><p>Hello</p></body></html>
        """;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _hits = new();

    private PreviewSite(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The URL of <paramref name="path"/> on this site (path starts with '/').</summary>
    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    public int TotalHits => _hits.Values.Sum();

    public static async Task<PreviewSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var site = new PreviewSite(app);
        app.Use((context, next) =>
        {
            site._hits.AddOrUpdate(context.Request.Path.Value!, 1, (_, n) => n + 1);
            return next(context);
        });
        app.MapGet("/og", () => Html(OgPage));
        app.MapGet("/other", () => Html("""<html><head><meta property="og:title" content="Another page"></head></html>"""));
        app.MapGet("/plain", () => Html("""<html><head><title>Plain page</title><meta name="description" content="Just a page"></head></html>"""));
        app.MapGet("/og-url", () => Html("""<html><head><meta property="og:title" content="Canonical"><meta property="og:url" content="/canonical"><meta property="og:image" content="javascript:alert(1)"></head></html>"""));
        app.MapGet("/bare", () => Html("<html><body><p>nothing to show</p></body></html>"));
        app.MapGet("/latin1", () => Results.Bytes(Encoding.Latin1.GetBytes("<title>Caf\u00e9</title>"), "text/html; charset=iso-8859-1"));
        app.MapGet("/hop/{n:int}", (int n) => n == 0 ? Html(OgPage) : Results.Redirect($"/hop/{n - 1}"));
        app.MapGet("/to-ftp", () => Results.Redirect("ftp://127.0.0.1/file"));
        app.MapGet("/no-location", (HttpContext context) => context.Response.StatusCode = 302);
        app.MapGet("/json", () => Results.Text("""{"title":"not html"}""", "application/json"));
        app.MapGet("/missing", () => Results.NotFound());
        // The tags in the first KiB, then 2 MiB of paragraphs.
        app.MapGet("/large", () => Html(OgPage.Replace("</body>", Padding(2 * 1024 * 1024) + "</body>")));
        // The tags only after 1.5 MiB: beyond what a preview reads.
        app.MapGet("/large-late", () => Html("<html><body>" + Padding(3 * 512 * 1024) + "<title>Too late</title></body></html>"));
        app.MapGet("/slow", async (HttpContext context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await app.StartAsync();
        site.BaseAddress = new Uri(app.Urls.First());
        return site;
    }

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    private static string Padding(int bytes) => string.Concat(Enumerable.Repeat("<p>padding padding padding</p>\n", bytes / 31 + 1));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
