using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shoot.Tests.Support;

/// <summary>
/// An HTTP client that speaks the API of docs/api.md: JSON bodies, the envelope, bearer tokens. Every response is checked to be
/// an envelope whose <c>code</c> equals the HTTP status, so no test can pass on a body of the wrong shape.
/// </summary>
public sealed class ShootClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = body is string raw
                ? new StringContent(raw, Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    public Task<ApiResponse> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);
    public Task<ApiResponse> PostAsync(string path, object? body, string? token = null) => SendAsync(HttpMethod.Post, path, body, token);
    public Task<ApiResponse> PutAsync(string path, object? body, string? token = null) => SendAsync(HttpMethod.Put, path, body, token);
    public Task<ApiResponse> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, null, token);

    /// <summary>Signs up and logs in a user with a unique name; returns the ids and tokens.</summary>
    public async Task<TestUser> CreateUserAsync(string? usernamePrefix = null, string password = "passw0rd1")
    {
        var username = (usernamePrefix ?? "u") + Guid.NewGuid().ToString("N")[..10];
        var signup = await PostAsync("/api/v1/auth/signup", new { username, nickname = "Nick " + username, password });
        signup.AssertStatus(HttpStatusCode.Created);
        var login = await PostAsync("/api/v1/auth/login", new { username, password });
        login.AssertStatus(HttpStatusCode.OK);
        return new TestUser(
            login.Data["userId"]!.GetValue<long>(), username, password,
            login.Data["accessToken"]!.GetValue<string>(), login.Data["refreshToken"]!.GetValue<string>());
    }
}

public sealed record TestUser(long Id, string Username, string Password, string AccessToken, string RefreshToken);

public sealed class ApiResponse
{
    private ApiResponse(HttpStatusCode status, JsonObject body, HttpResponseMessage message)
    {
        Status = status;
        Body = body;
        RetryAfter = message.Headers.RetryAfter?.Delta;
        RawJson = body.ToJsonString();
    }

    public HttpStatusCode Status { get; }
    public JsonObject Body { get; }
    public TimeSpan? RetryAfter { get; }
    public string RawJson { get; }

    public JsonNode Data => Body["data"] ?? throw new InvalidOperationException($"No data in {RawJson}");
    public string? ErrorCode => Body["errorCode"]?.GetValue<string>();

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonObject body;
        try
        {
            body = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException("null body");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode}: body is not an envelope: '{text}'");
        }
        Assert.Equal((int)response.StatusCode, body["code"]?.GetValue<int>());
        Assert.Equal(response.IsSuccessStatusCode, body["success"]?.GetValue<bool>());
        Assert.NotNull(body["timestamp"]);
        return new ApiResponse(response.StatusCode, body, response);
    }

    public ApiResponse AssertStatus(HttpStatusCode expected)
    {
        if (Status != expected)
            throw new Xunit.Sdk.XunitException($"Expected {(int)expected} but got {(int)Status}: {RawJson}");
        return this;
    }

    public ApiResponse AssertError(HttpStatusCode expected, string errorCode)
    {
        AssertStatus(expected);
        Assert.Equal(errorCode, ErrorCode);
        return this;
    }
}
