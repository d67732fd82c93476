using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.UrlPreviews;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.UrlPreviews;

/// <summary>The preview fetcher against a real web server on 127.0.0.1 (so the tests allow private addresses, except where they test the refusal).</summary>
[Trait("Category", "Integration")]
public sealed class HttpUrlPreviewerTests : IAsyncLifetime
{
    private PreviewSite _site = null!;

    public async Task InitializeAsync() => _site = await PreviewSite.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private static HttpUrlPreviewer Previewer(Action<UrlPreviewOptions>? change = null)
    {
        var options = new UrlPreviewOptions { AllowPrivateAddresses = true, AllowNonDefaultPorts = true };
        change?.Invoke(options);
        return new HttpUrlPreviewer(Options.Create(options), NullLogger<HttpUrlPreviewer>.Instance);
    }

    [Fact]
    public async Task Open_graph_tags_make_the_preview_and_a_relative_image_resolves_against_the_page()
    {
        using var previewer = Previewer();

        var preview = await previewer.PreviewAsync(_site.Url("/og"));

        Assert.Equal(new UrlPreview(_site.Url("/og"), "The Shoot blog", "Chat that scales", _site.Url("/img/cover.png"), "Shoot"), preview);
    }

    [Fact]
    public async Task Without_open_graph_the_title_and_meta_description_serve()
    {
        using var previewer = Previewer();

        Assert.Equal(new UrlPreview(_site.Url("/plain"), "Plain page", "Just a page", null, null), await previewer.PreviewAsync(_site.Url("/plain")));
        Assert.Equal(new UrlPreview(_site.Url("/latin1"), "Café", null, null, null), await previewer.PreviewAsync(_site.Url("/latin1")));
    }

    [Fact]
    public async Task Og_url_names_the_preview_and_an_image_that_is_not_http_is_dropped()
    {
        using var previewer = Previewer();

        Assert.Equal(new UrlPreview(_site.Url("/canonical"), "Canonical", null, null, null), await previewer.PreviewAsync(_site.Url("/og-url")));
    }

    [Fact]
    public async Task A_page_with_nothing_to_show_json_and_errors_give_no_preview()
    {
        using var previewer = Previewer();

        Assert.Null(await previewer.PreviewAsync(_site.Url("/bare")));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/json")));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/missing")));
        Assert.Equal(1, _site.Hits("/json"));
    }

    [Fact]
    public async Task Three_redirects_are_followed_and_a_fourth_is_refused()
    {
        using var previewer = Previewer();

        var preview = await previewer.PreviewAsync(_site.Url("/hop/3"));
        Assert.Equal("The Shoot blog", preview?.Title);
        // The final page is where relative URLs resolve; the preview keeps the URL the message holds.
        Assert.Equal(_site.Url("/img/cover.png"), preview?.ImageUrl);
        Assert.Equal(_site.Url("/hop/3"), preview?.Url);

        Assert.Null(await previewer.PreviewAsync(_site.Url("/hop/4")));
        // The chain of four stopped at its fourth redirect: its last page was never asked for (only the first chain's was).
        Assert.Equal(1, _site.Hits("/hop/0"));
        Assert.Equal(2, _site.Hits("/hop/1"));
    }

    [Fact]
    public async Task A_redirect_to_another_scheme_or_without_a_location_is_refused()
    {
        using var previewer = Previewer();

        Assert.Null(await previewer.PreviewAsync(_site.Url("/to-ftp")));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/no-location")));
    }

    [Fact]
    public async Task Fewer_allowed_redirects_are_honoured()
    {
        using var previewer = Previewer(o => o.MaxRedirects = 0);

        Assert.NotNull(await previewer.PreviewAsync(_site.Url("/hop/0")));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/hop/1")));
        Assert.Equal(1, _site.Hits("/hop/0"));
    }

    [Fact]
    public async Task A_large_page_is_previewed_from_its_first_mebibyte_and_tags_beyond_it_are_not_seen()
    {
        using var previewer = Previewer();

        Assert.Equal("The Shoot blog", (await previewer.PreviewAsync(_site.Url("/large")))?.Title);
        Assert.Null(await previewer.PreviewAsync(_site.Url("/large-late")));
        // With a larger limit, the late title is read: the limit is what hid it.
        using var generous = Previewer(o => o.MaxBytes = 4 * 1024 * 1024);
        Assert.Equal("Too late", (await generous.PreviewAsync(_site.Url("/large-late")))?.Title);
    }

    [Fact]
    public async Task A_response_that_does_not_come_in_time_gives_no_preview()
    {
        using var previewer = Previewer(o => o.Timeout = TimeSpan.FromMilliseconds(300));

        Assert.Null(await previewer.PreviewAsync(_site.Url("/slow")));
        Assert.Equal(1, _site.Hits("/slow"));
    }

    [Fact]
    public async Task Private_addresses_are_refused_by_default_before_any_request()
    {
        using var previewer = Previewer(o => o.AllowPrivateAddresses = false);
        var port = _site.BaseAddress.Port;

        Assert.Null(await previewer.PreviewAsync(_site.Url("/og")));
        Assert.Null(await previewer.PreviewAsync($"http://localhost:{port}/og"));
        Assert.Null(await previewer.PreviewAsync($"http://2130706433:{port}/og"));
        Assert.Null(await previewer.PreviewAsync($"http://[::ffff:127.0.0.1]:{port}/og"));
        Assert.Null(await previewer.PreviewAsync($"http://0.0.0.0:{port}/og"));
        Assert.Equal(0, _site.TotalHits);
    }

    [Fact]
    public async Task Only_http_and_https_on_their_default_ports_unless_allowed_and_no_credentials()
    {
        using var defaultPorts = Previewer(o => o.AllowNonDefaultPorts = false);
        using var previewer = Previewer();

        Assert.Null(await defaultPorts.PreviewAsync(_site.Url("/og")));
        Assert.Null(await previewer.PreviewAsync("ftp://127.0.0.1/og"));
        Assert.Null(await previewer.PreviewAsync("file:///etc/passwd"));
        Assert.Null(await previewer.PreviewAsync("javascript:alert(1)"));
        Assert.Null(await previewer.PreviewAsync("not a url"));
        Assert.Null(await previewer.PreviewAsync($"http://user:secret@127.0.0.1:{_site.BaseAddress.Port}/og"));
        Assert.Equal(0, _site.TotalHits);
    }

    [Fact]
    public async Task The_cache_answers_a_url_seen_before_without_fetching_it_again()
    {
        using var fetcher = Previewer();
        using var cache = new InMemoryCache();
        var previewer = new CachedUrlPreviewer(fetcher, cache, Options.Create(new UrlPreviewOptions()),
            new ServiceCollection().AddMetrics().AddSingleton<Shoot.Infrastructure.Observability.ShootMetrics>().BuildServiceProvider()
                .GetRequiredService<Shoot.Infrastructure.Observability.ShootMetrics>());

        var first = await previewer.PreviewAsync(_site.Url("/og"));
        var second = await previewer.PreviewAsync(_site.Url("/og"));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/json")));
        Assert.Null(await previewer.PreviewAsync(_site.Url("/json")));

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(1, _site.Hits("/og"));
        Assert.Equal(1, _site.Hits("/json"));
    }
}
