using System.Net;
using System.Text.Json;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Friends;

/// <summary>A signed-up, logged-in user.</summary>
public sealed record Member(long Id, string Username, string UserCode, string Token);

/// <summary>The friends tests' view of the API: users with their friend codes, and calls that assert their status.</summary>
public sealed class ApiClient(ShootClient client)
{
    private static int _counter;
    private const string Password = "password123";

    public async Task<Member> SignUpAsync(string prefix = "u")
    {
        var username = $"{prefix}{Interlocked.Increment(ref _counter)}_{Guid.NewGuid():N}"[..20];
        var user = await CallAsync(HttpMethod.Post, "/api/v1/auth/signup", null,
            new { username, nickname = username, password = Password }, HttpStatusCode.Created);
        var login = await CallAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { username, password = Password }, HttpStatusCode.OK);
        return new Member(user.GetProperty("id").GetInt64(), username, user.GetProperty("userCode").GetString()!,
            login.GetProperty("accessToken").GetString()!);
    }

    /// <summary>Signs up <paramref name="count"/> users, a few at a time (bcrypt makes each take a moment).</summary>
    public async Task<Member[]> SignUpManyAsync(int count)
    {
        var users = new Member[count];
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

    /// <summary>Sends the request, asserts the status and returns <c>data</c> (or, for an error, the whole envelope).</summary>
    public async Task<JsonElement> CallAsync(HttpMethod method, string path, Member? caller, object? body, HttpStatusCode expected)
    {
        var (status, envelope) = await SendAsync(method, path, caller?.Token, body);
        Assert.True(expected == status, $"{method} {path}: expected {(int)expected}, got {(int)status}: {envelope}");
        return envelope.TryGetProperty("data", out var data) ? data : envelope;
    }

    /// <summary>Any request; the shared client has already checked that the answer is an envelope whose code matches.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Envelope)> SendAsync(HttpMethod method, string path, string? token, object? body)
    {
        var response = await client.SendAsync(method, path, body, token);
        return (response.Status, JsonDocument.Parse(response.RawJson).RootElement.Clone());
    }
}
