using System.Net;
using System.Net.Http.Json;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

[Trait("Category", "Integration")]
public sealed class OperationsTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private readonly ShootClient _client = app.Factory.CreateShootClient();

    [Fact]
    public async Task Health_endpoints_answer_without_a_token()
    {
        (await _client.GetAsync("/health/live")).AssertStatus(HttpStatusCode.OK);
        var ready = (await _client.GetAsync("/health/ready")).AssertStatus(HttpStatusCode.OK);
        // Every embedded backend by name; the test server's requests do not come from loopback, so no details.
        Assert.Equal(["hangfire-sqlite", "messages-sqlite", "sqlite"], ready.Data["checks"]!.AsObject().Select(c => c.Key).Order());
        Assert.All(ready.Data["checks"]!.AsObject(), c =>
        {
            Assert.Equal("Healthy", c.Value!["status"]!.GetValue<string>());
            Assert.Null(c.Value["details"]);
        });
    }

    [Fact]
    public async Task Health_details_such_as_file_paths_are_shown_to_loopback_requests_only()
    {
        using var local = new ShootAppFactory(kestrel: true);
        var ready = (await local.CreateShootClient().GetAsync("/health/ready")).AssertStatus(HttpStatusCode.OK);

        Assert.Contains(local.DataDirectory, ready.Data["checks"]!["sqlite"]!["details"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("messages.db", ready.Data["checks"]!["messages-sqlite"]!["details"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_format()
    {
        (await _client.GetAsync("/health/live")).AssertStatus(HttpStatusCode.OK);
        var text = await _client.Http.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_", text);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_auth_user_reaction_and_pin_endpoints()
    {
        var document = await _client.Http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/users/me", "/api/v1/users/search" })
            Assert.Contains($"\"{path}\"", document);
        // The reaction endpoints document the name ↔ emoji mapping.
        using var json = System.Text.Json.JsonDocument.Parse(document);
        var reaction = json.RootElement.GetProperty("paths").GetProperty("/api/v1/messages/reaction");
        Assert.Contains("like 👌, love ❤️, laugh 😂, wow 😮, sad 😢, angry 😠, thumbsup 👍, thumbsdown 👎", reaction.GetProperty("post").GetProperty("summary").GetString());
        foreach (var path in new[] { "/api/v1/messages/pin", "/api/v1/messages/pin/{messageId}", "/api/v1/messages/pins/{roomId}" })
            Assert.Contains($"\"{path}\"", document);
        var page = await _client.Http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task The_embedded_signing_key_survives_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("shoot-restart-").FullName;
        var settings = new Dictionary<string, string?> { ["Shoot:DataDirectory"] = directory };
        TestUser user;
        using (var first = new ShootAppFactory(settings))
            user = await first.CreateShootClient().CreateUserAsync("key");
        using var second = new ShootAppFactory(settings);
        (await second.CreateShootClient().GetAsync("/api/v1/users/me", user.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Auth_endpoints_are_rate_limited_per_client_address()
    {
        using var limited = new ShootAppFactory(new Dictionary<string, string?> { ["Shoot:Limits:AuthRequestsPerMinutePerIp"] = "3" });
        var client = limited.CreateShootClient();
        for (var i = 0; i < 3; i++)
            (await client.PostAsync("/api/v1/auth/login", new { username = "nobody", password = "whatever1" })).AssertStatus(HttpStatusCode.Unauthorized);
        var refused = (await client.PostAsync("/api/v1/auth/signup", new { username = "someone", nickname = "S", password = "secret123" }))
            .AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.NotNull(refused.RetryAfter);
        // Other endpoints are not counted against the auth budget.
        (await client.GetAsync("/health/live")).AssertStatus(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_client_address_comes_from_x_forwarded_for_only_when_trusted(bool trusted)
    {
        using var limited = new ShootAppFactory(new Dictionary<string, string?>
        {
            ["Shoot:Limits:AuthRequestsPerMinutePerIp"] = "2",
            ["Shoot:TrustForwardedHeaders"] = trusted ? "true" : "false",
        });
        var http = limited.CreateClient();
        async Task<HttpStatusCode> LoginFrom(string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
            {
                Content = JsonContent.Create(new { username = "nobody", password = "whatever1" }),
            };
            request.Headers.Add("X-Forwarded-For", address);
            return (await ApiResponse.ReadAsync(await http.SendAsync(request))).Status;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFrom("203.0.113.1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFrom("203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFrom("203.0.113.1"));
        // Another client behind the proxy has its own budget, but only if the header is trusted; otherwise it is a spoof.
        Assert.Equal(trusted ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, await LoginFrom("203.0.113.2"));
    }
}
