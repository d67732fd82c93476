using System.Net;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Tests.Infrastructure.Stomp.Server;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Auth;

/// <summary>
/// Issue 14, item 2: a validly signed token whose user does not exist authenticates nobody — 401 on REST (where it used
/// to reach a foreign key and answer 500), on an SSE stream and an ERROR frame on STOMP CONNECT.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GoneAccountTokenTests : IAsyncLifetime
{
    private const long NoSuchUser = 987_654_321;
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private string _token = "";
    private ShootClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _factory.CreateShootClient();
        _token = new TokenForge(_factory).Valid(NoSuchUser);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Rest_requests_that_used_to_fail_on_a_foreign_key_are_401()
    {
        var someone = await _client.CreateUserAsync("fk");
        (await _client.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "x", participantIds = new[] { someone.Id } }, _token))
            .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await _client.PostAsync("/api/v1/users/friends/requests", new { targetUserId = someone.Id }, _token))
            .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await _client.GetAsync("/api/v1/users/me", _token)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        // The same request with a real user's token works, so the 401 is about the account, not the request.
        (await _client.GetAsync("/api/v1/users/me", someone.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_sse_stream_is_401()
    {
        var refused = await Assert.ThrowsAsync<SseRefusedException>(() =>
            SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/updates/{NoSuchUser}", _token));
        Assert.Equal(401, refused.Status);
        Assert.Contains("UNAUTHORIZED", refused.Body);
    }

    [Fact]
    public async Task Stomp_connect_is_refused_with_an_error_frame()
    {
        await using var client = await StompTestClient.OpenAsync(_factory.StompUri);
        await client.SendAsync($"CONNECT\naccept-version:1.2\nhost:localhost\nAuthorization:Bearer {_token}\n\n\0");
        Assert.Equal("Invalid or expired token", (await client.ExpectErrorAndCloseAsync())["message"]);
    }

    [Fact]
    public async Task A_token_of_an_older_generation_is_refused()
    {
        var user = await _client.CreateUserAsync("gen");
        var stale = new TokenForge(_factory).Create(user.Id, DateTime.UtcNow.AddMinutes(10), generation: 7);
        (await _client.GetAsync("/api/v1/users/me", stale)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await using var client = await StompTestClient.OpenAsync(_factory.StompUri);
        await client.SendAsync($"CONNECT\naccept-version:1.2\nhost:localhost\nAuthorization:Bearer {stale}\n\n\0");
        Assert.Equal(StompCommand.Error, (await client.ExpectErrorAndCloseAsync()).Command);
    }
}
