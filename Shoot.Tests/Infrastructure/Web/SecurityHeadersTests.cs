using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Shoot.Infrastructure.Web;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Web;

/// <summary>Issue 14, item 4: response headers on a real Kestrel server, token responses never cached, no Host echo.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?> { ["AllowedHosts"] = "localhost;127.0.0.1" }, kestrel: true);
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _http = new HttpClient { BaseAddress = _factory.ServerAddress };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    [Theory]
    [InlineData("/")] // the web client's static files run before routing: they get the same headers
    [InlineData("/js/app.js")]
    [InlineData("/health/live")]
    [InlineData("/api/v1/users/me")]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/openapi/v1.json")]
    public async Task Every_response_carries_the_security_headers_and_no_server_header(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("connect-src 'self' ws: wss:", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.False(response.Headers.Contains("Server"), "the Server header names the web server");
    }

    [Fact]
    public async Task The_api_reference_page_gets_its_own_policy_and_the_api_none_for_inline_scripts()
    {
        using var docs = await _http.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal(SecurityHeadersMiddleware.DocsContentSecurityPolicy, Header(docs, "Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", SecurityHeadersMiddleware.DocsContentSecurityPolicy);
    }

    [Fact]
    public async Task Token_responses_are_not_stored()
    {
        var client = new ShootClient(_http);
        var user = await client.CreateUserAsync("cc");
        using var login = await _http.PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(login.Headers.CacheControl?.NoStore, "login answer must be Cache-Control: no-store");
        using var refresh = await _http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.True(refresh.Headers.CacheControl?.NoStore, "refresh answer must be Cache-Control: no-store");
    }

    [Fact]
    public async Task A_foreign_host_is_refused_and_never_echoed_into_the_api_document()
    {
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        foreign.Headers.Host = "evil.example";
        using var refused = await _http.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        // The envelope, not ASP.NET Core's HTML page, and with the headers every answer carries.
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        var envelope = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.False(envelope["success"]!.GetValue<bool>());
        Assert.Equal("INVALID_HOST", envelope["errorCode"]!.GetValue<string>());
        Assert.Equal(400, envelope["code"]!.GetValue<int>());
        Assert.DoesNotContain("evil.example", envelope.ToJsonString());
        Assert.Equal("nosniff", Header(refused, "X-Content-Type-Options"));

        using var own = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        own.Headers.Host = "localhost";
        using var document = await _http.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var json = JsonNode.Parse(await document.Content.ReadAsStringAsync())!;
        // One relative server ("/": the document's own origin), never a URL built from the request's Host.
        Assert.Equal("/", Assert.Single(json["servers"]!.AsArray())!["url"]!.GetValue<string>());
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content)
        : throw new Xunit.Sdk.XunitException($"{name} missing on {response.RequestMessage?.RequestUri}");
}
