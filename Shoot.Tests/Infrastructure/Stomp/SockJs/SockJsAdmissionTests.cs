using System.Net;
using System.Text.Json.Nodes;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Stomp.SockJs;

/// <summary>
/// Issue 12, item 5: the SockJS URLs answer CORS as sockjs-node and Spring do — a listed Origin echoed with credentials,
/// preflights 204 with methods, headers and max-age — while an unlisted Origin gets 403 and no CORS headers, the answer
/// its raw WebSocket handshake gets (<see cref="Web.ConnectionAdmissionTests"/>); and the per-address session cap
/// refuses a SockJS session past it with 429 RATE_LIMITED, as documented in docs/security.md.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SockJsAdmissionTests : IAsyncLifetime
{
    private const string Listed = "https://chat.example.com";
    private const string Foreign = "https://evil.example";

    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Shoot:AllowedOrigins:0"] = Listed,
        ["Shoot:Limits:ConnectionsPerIp"] = "2",
        // Sessions without a receiving request stay open long enough for the cap to be reached with polling requests.
        ["Shoot:SockJs:DisconnectDelay"] = "00:01:00",
    }, kestrel: true);

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

    private static string NewSession() => "/ws/chat/000/" + Guid.NewGuid().ToString("N");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? origin, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (origin is not null) request.Headers.Add("Origin", origin);
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        if (method == HttpMethod.Post) request.Content = new StringContent("");
        return await _http.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [Fact]
    public async Task A_listed_origin_is_echoed_with_credentials_on_info_and_the_xhr_transports()
    {
        using var info = await SendAsync(HttpMethod.Get, "/ws/chat/info", Listed);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal(Listed, Header(info, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(info, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", Header(info, "Vary"));

        var session = NewSession();
        using var open = await SendAsync(HttpMethod.Post, session + "/xhr", Listed);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal("o\n", await open.Content.ReadAsStringAsync());
        Assert.Equal(Listed, Header(open, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(open, "Access-Control-Allow-Credentials"));

        // Errors carry the CORS headers too, so the page can read why.
        using var unknown = await SendAsync(HttpMethod.Post, NewSession() + "/xhr_send", Listed);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(Listed, Header(unknown, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/info", "OPTIONS, GET")]
    [InlineData("/000/preflight/xhr", "OPTIONS, POST")]
    [InlineData("/000/preflight/xhr_streaming", "OPTIONS, POST")]
    [InlineData("/000/preflight/xhr_send", "OPTIONS, POST")]
    public async Task A_preflight_from_a_listed_origin_is_204_with_methods_headers_and_max_age(string path, string methods)
    {
        using var preflight = await SendAsync(HttpMethod.Options, "/ws/chat" + path, Listed,
            ("Access-Control-Request-Method", methods[^4..] == "POST" ? "POST" : "GET"),
            ("Access-Control-Request-Headers", "content-type, x-requested-with"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Listed, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(preflight, "Access-Control-Allow-Credentials"));
        Assert.Equal(methods, Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal("content-type, x-requested-with", Header(preflight, "Access-Control-Allow-Headers"));
        Assert.Equal("31536000", Header(preflight, "Access-Control-Max-Age"));
    }

    [Theory]
    [InlineData("GET", "/info")]
    [InlineData("OPTIONS", "/info")]
    [InlineData("OPTIONS", "/000/foreign/xhr")]
    [InlineData("POST", "/000/foreign/xhr")]
    [InlineData("POST", "/000/foreign/xhr_streaming")]
    [InlineData("GET", "/000/foreign/eventsource")]
    [InlineData("POST", "/000/foreign/xhr_send")]
    public async Task An_unlisted_origin_gets_403_without_cors_headers(string method, string path)
    {
        using var refused = await SendAsync(new HttpMethod(method), "/ws/chat" + path, Foreign);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        Assert.Null(Header(refused, "Access-Control-Allow-Credentials"));
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("FORBIDDEN", body["errorCode"]!.GetValue<string>());
        Assert.Equal(403, body["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_request_without_origin_is_not_cors_and_gets_no_cors_headers()
    {
        using var info = await SendAsync(HttpMethod.Get, "/ws/chat/info", origin: null);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Null(Header(info, "Access-Control-Allow-Origin"));
        Assert.Null(Header(info, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task The_session_past_the_per_address_cap_is_429_until_one_closes()
    {
        var first = NewSession();
        var second = NewSession();
        foreach (var session in new[] { first, second })
        {
            using var open = await SendAsync(HttpMethod.Post, session + "/xhr", Listed);
            Assert.Equal("o\n", await open.Content.ReadAsStringAsync());
        }

        foreach (var transport in new[] { "xhr", "xhr_streaming" })
        {
            using var refused = await SendAsync(HttpMethod.Post, NewSession() + "/" + transport, Listed);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Equal("RATE_LIMITED", body["errorCode"]!.GetValue<string>());
            Assert.Equal(429, body["code"]!.GetValue<int>());
            Assert.False(body["success"]!.GetValue<bool>());
        }
        // The open sessions themselves keep working: a poll on one is not a new session.
        using var poll = await SendAsync(HttpMethod.Post, first + "/xhr_send", Listed);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, poll.StatusCode);

        // Closing one (its close frame sent, its STOMP session ended) frees a place.
        using var close = new HttpRequestMessage(HttpMethod.Post, first + "/xhr_send")
        {
            Content = new StringContent("[\"DISCONNECT\\n\\n\\u0000\"]"),
        };
        (await _http.SendAsync(close)).Dispose();
        await Eventually.HoldsAsync(async () =>
        {
            using var again = await SendAsync(HttpMethod.Post, NewSession() + "/xhr", Listed);
            return again.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30));
    }
}
