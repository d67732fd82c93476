using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Features.Friends;

/// <summary>
/// The real app (Program) in memory, one per test class, on the backend its settings choose. Started on first use so a
/// test class can hand it settings that come from a collection fixture (a PostgreSQL database).
/// </summary>
public sealed class ApiHost : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplicationFactory<Program>? _factory;
    private HttpClient? _client;
    private TempDirectory? _data;

    /// <summary>A directory that lives as long as the host (for the embedded backend's SQLite file).</summary>
    public async Task<string> TempDataDirectoryAsync() => (_data ??= await TempDirectory.CreateAsync("shoot-friends-")).Path;

    public async Task<HttpClient> StartAsync(Func<Task<IReadOnlyDictionary<string, string?>>> backendSettings)
    {
        await _gate.WaitAsync();
        try
        {
            if (_client is not null)
                return _client;
            var settings = new Dictionary<string, string?>(await backendSettings())
            {
                // Every test request comes from one address; the per-IP auth limit is not what these tests are about.
                ["Shoot:Limits:AuthRequestsPerMinutePerIp"] = "1000000",
            };
            _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            {
                foreach (var (key, value) in settings)
                    builder.UseSetting(key, value);
            });
            _client = _factory.CreateClient();
            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
            await _factory.DisposeAsync();
        _data?.Dispose();
    }
}

/// <summary>A signed-up, logged-in user.</summary>
public sealed record TestUser(long Id, string Username, string UserCode, string Token);

/// <summary>Calls the API as a client would and checks the status and the envelope's <c>code</c>.</summary>
public sealed class ApiClient(HttpClient http)
{
    private static int _counter;
    private const string Password = "password123";

    public async Task<TestUser> SignUpAsync(string prefix = "u")
    {
        var username = $"{prefix}{Interlocked.Increment(ref _counter)}_{Guid.NewGuid():N}"[..20];
        var user = await CallAsync(HttpMethod.Post, "/api/v1/auth/signup", null,
            new { username, nickname = username, password = Password }, HttpStatusCode.Created);
        var login = await CallAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { username, password = Password }, HttpStatusCode.OK);
        return new TestUser(user.GetProperty("id").GetInt64(), username, user.GetProperty("userCode").GetString()!,
            login.GetProperty("accessToken").GetString()!);
    }

    /// <summary>Signs up <paramref name="count"/> users, a few at a time (bcrypt makes each take a moment).</summary>
    public async Task<TestUser[]> SignUpManyAsync(int count)
    {
        var users = new TestUser[count];
        using var throttle = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                users[i] = await SignUpAsync();
            }
            finally
            {
                throttle.Release();
            }
        }));
        return users.OrderBy(u => u.Id).ToArray();
    }

    /// <summary>Sends the request, asserts the status (and the envelope's matching code) and returns <c>data</c> (or the error envelope).</summary>
    public async Task<JsonElement> CallAsync(HttpMethod method, string path, TestUser? caller, object? body, HttpStatusCode expected)
    {
        var (status, envelope) = await SendAsync(method, path, caller?.Token, body);
        Assert.True(expected == status, $"{method} {path}: expected {(int)expected}, got {(int)status}: {envelope}");
        Assert.Equal((int)expected, envelope.GetProperty("code").GetInt32());
        return envelope.TryGetProperty("data", out var data) ? data : envelope;
    }

    public async Task<(HttpStatusCode Status, JsonElement Envelope)> SendAsync(HttpMethod method, string path, string? token, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
