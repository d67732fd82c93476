using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Web;

/// <summary>No body, header or token of any shape may make the server answer 500 or leave the envelope.</summary>
[Trait("Category", "Integration")]
public sealed class MalformedInputTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private readonly ShootClient _client = app.Factory.CreateShootClient();

    public static TheoryData<string> MalformedBodies => new()
    {
        "{", "}", "[]", "null", "\"text\"", "42", "true", "{\"username\":", "{\"username\":\"a\",}", "{'username':'abc'}",
        "{\"username\":123,\"nickname\":true,\"password\":[]}", "{\"username\":{\"$gt\":\"\"}}",
        "{\"username\":\"abc\",\"username\":\"def\"}", "\u0000\u0001\u0002", "{\"a\":1e999999}",
        new string('[', 5000) + new string(']', 5000), "{\"username\":\"\\ud800\"}", "\uFEFF{}",
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_bodies_get_400_on_every_json_endpoint(string body)
    {
        foreach (var path in new[] { "/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh" })
        {
            var response = await _client.PostAsync(path, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("VALIDATION_FAILED", response.ErrorCode);
            Assert.DoesNotContain("Exception", response.RawJson);
        }
    }

    [Fact]
    public async Task Malformed_bodies_on_authenticated_endpoints_are_400_too()
    {
        var user = await _client.CreateUserAsync("mal");
        foreach (var body in new[] { "{", "[]", "null", "{\"nickname\":[1],\"status\":5,\"url\":{}}" })
        {
            foreach (var path in new[] { "/api/v1/users/me", "/api/v1/users/status", "/api/v1/users/me/profile-image" })
                (await _client.PutAsync(path, body, user.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var huge = "{\"username\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        (await _client.PostAsync("/api/v1/auth/login", huge)).AssertError(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task A_missing_or_wrong_content_type_is_a_client_error()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
        {
            Content = new StringContent("username=a&password=b", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        var response = await ApiResponse.ReadAsync(await _client.Http.SendAsync(request));
        Assert.True(response.Status == HttpStatusCode.BadRequest, response.RawJson);
        using var empty = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login");
        var emptyResponse = await ApiResponse.ReadAsync(await _client.Http.SendAsync(empty));
        Assert.True(emptyResponse.Status == HttpStatusCode.BadRequest, emptyResponse.RawJson);
    }

    public static TheoryData<string> MalformedAuthorizationHeaders => new()
    {
        "Bearer", "Bearer ", "Bearer  x", "Basic dXNlcjpwYXNz", "bearer a.b.c", "Bearer " + new string('a', 10_000),
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiItMSJ9.x", "Bearer é.ü.ß", "Bearer a.b.c.d.e", "Token abc",
    };

    [Theory]
    [MemberData(nameof(MalformedAuthorizationHeaders))]
    public async Task Malformed_authorization_headers_are_401(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me");
        request.Headers.TryAddWithoutValidation("Authorization", header);
        var response = await ApiResponse.ReadAsync(await _client.Http.SendAsync(request));
        response.AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task A_token_for_a_user_that_does_not_exist_is_401_not_500()
    {
        var token = new TokenForge(app.Factory).Valid(999_999_999);
        (await _client.GetAsync("/api/v1/users/me", token)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Theory]
    [InlineData("/api/v1/users/99999999999999999999999")]
    [InlineData("/api/v1/users/-1")]
    [InlineData("/api/v1/users/abc")]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/no-such-page")] // "/" itself is the web client
    public async Task Unknown_routes_and_bad_ids_are_404_in_the_envelope(string path)
    {
        var user = await _client.CreateUserAsync("rt");
        (await _client.GetAsync(path, user.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        // Without a token too: an unknown path is 404 for everyone.
        if (!path.StartsWith("/api/v1/users/", StringComparison.Ordinal))
            (await _client.GetAsync(path)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task A_wrong_method_is_405_in_the_envelope()
    {
        var user = await _client.CreateUserAsync("mt");
        // DELETE /users/me deletes the account; PATCH is a method no route of it takes.
        var response = await _client.SendAsync(HttpMethod.Patch, "/api/v1/users/me", null, user.AccessToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal("METHOD_NOT_ALLOWED", response.ErrorCode);
    }

    [Fact]
    public async Task Odd_query_strings_do_not_break_search()
    {
        var user = await _client.CreateUserAsync("qs");
        foreach (var query in new[] { "q=%00", "q=%FF%FE", "q=a&q=b", "q=" + new string('x', 5000), "limit=99999999999999&q=a", "q=a&limit=-5" })
        {
            var response = await _client.GetAsync("/api/v1/users/search?" + query, user.AccessToken);
            Assert.True((int)response.Status < 500, $"{query}: {response.RawJson}");
        }
    }

    [Fact]
    public async Task Unusual_headers_do_not_break_requests()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "not-an-ip, ::::, 999.1.1.1");
        request.Headers.TryAddWithoutValidation("Accept", "application/xml");
        request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue("xx"));
        (await ApiResponse.ReadAsync(await _client.Http.SendAsync(request))).AssertStatus(HttpStatusCode.OK);
    }
}
