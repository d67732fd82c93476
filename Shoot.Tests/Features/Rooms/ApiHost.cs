using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Shoot.Tests.Features.Rooms;

/// <summary>A user signed up and logged in through the API.</summary>
public sealed record TestUser(long Id, string Username, string Nickname, string Token);

/// <summary>One HTTP answer: its status and the envelope's <c>data</c> (or the whole error envelope).</summary>
public sealed record ApiResponse(HttpStatusCode Status, JsonElement Body)
{
    public JsonElement Data => Body.GetProperty("data");

    public string? ErrorCode => Body.TryGetProperty("errorCode", out var code) ? code.GetString() : null;

    public IReadOnlyList<JsonElement> Items => [.. Data.GetProperty("items").EnumerateArray()];
}

/// <summary>
/// The real Shoot app in-process (WebApplicationFactory over Program) with the given settings, and a client that signs
/// up users and calls the API as them. Settings go through UseSetting so Program sees them while it registers services.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private const string Password = "password123";
    private static int s_userCount;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly HttpClient _client;

    public ApiHost(IReadOnlyDictionary<string, string?> settings)
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Shoot:Limits:AuthRequestsPerMinutePerIp", "100000");
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
        });
        _client = _factory.CreateClient();
    }

    public IServiceProvider Services => _factory.Services;

    public async Task<TestUser> SignUpAsync(string nickname)
    {
        var username = $"user{Interlocked.Increment(ref s_userCount)}";
        var signUp = await CallAsync(HttpMethod.Post, "/api/v1/auth/signup", null, new { username, nickname, password = Password });
        Assert.Equal(HttpStatusCode.Created, signUp.Status);
        var login = await CallAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { username, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.Status);
        return new TestUser(login.Data.GetProperty("userId").GetInt64(), username, nickname, login.Data.GetProperty("accessToken").GetString()!);
    }

    /// <summary>Sign-up only (no token): for users who are only ever added to rooms.</summary>
    public async Task<long> SignUpSilentAsync(string nickname)
    {
        var username = $"user{Interlocked.Increment(ref s_userCount)}";
        var signUp = await CallAsync(HttpMethod.Post, "/api/v1/auth/signup", null, new { username, nickname, password = Password });
        Assert.Equal(HttpStatusCode.Created, signUp.Status);
        return signUp.Data.GetProperty("id").GetInt64();
    }

    public Task<ApiResponse> GetAsync(TestUser? user, string path) => CallAsync(HttpMethod.Get, path, user?.Token, null);

    public Task<ApiResponse> PostAsync(TestUser? user, string path, object? body = null) => CallAsync(HttpMethod.Post, path, user?.Token, body);

    public Task<ApiResponse> PutAsync(TestUser? user, string path, object? body) => CallAsync(HttpMethod.Put, path, user?.Token, body);

    public Task<ApiResponse> DeleteAsync(TestUser? user, string path) => CallAsync(HttpMethod.Delete, path, user?.Token, null);

    public async Task<ApiResponse> CallAsync(HttpMethod method, string path, string? token, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await _client.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        // Contract §1: every body is the envelope and its code is the HTTP status.
        Assert.Equal((int)response.StatusCode, json.GetProperty("code").GetInt32());
        return new ApiResponse(response.StatusCode, json);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }
}
