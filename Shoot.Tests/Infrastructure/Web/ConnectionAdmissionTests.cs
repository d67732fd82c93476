using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Tests.Infrastructure.Stomp.Server;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Web;

/// <summary>
/// Issue 14, items 5 and 6: the WebSocket handshake honours <c>Shoot:Limits:ConnectionsPerIp</c> and
/// <c>Shoot:AllowedOrigins</c>, and every refusal is a <c>Shoot.Security</c> event.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConnectionAdmissionTests : IAsyncLifetime
{
    private readonly LogCollector _security = new(SecurityEvents.Category);
    private readonly ShootAppFactory _app;

    public ConnectionAdmissionTests() => _app = new ShootAppFactory(new Dictionary<string, string?>
    {
        ["Shoot:Limits:ConnectionsPerIp"] = "2",
        ["Shoot:Limits:LoginFailuresBeforeLock"] = "2",
        ["Shoot:AllowedOrigins:0"] = "https://chat.example.com",
        ["Logging:LogLevel:Shoot.Security"] = "Information",
    }, kestrel: true)
    {
        TestServices = services => services.AddSingleton<ILoggerProvider>(_security),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_third_session_from_one_address_is_429_until_one_closes()
    {
        var user = await _app.CreateShootClient().CreateUserAsync("cp");
        var (first, _) = await StompTestClient.ConnectAsync(_app.StompUri, user.AccessToken);
        await using var second = (await StompTestClient.ConnectAsync(_app.StompUri, user.AccessToken)).Client;

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => StompTestClient.OpenAsync(_app.StompUri));
        Assert.Contains("429", refused.Message);
        Assert.Contains(_security.Entries, e => e.EventName == "ConnectionRefused" && e.Values["ClientAddress"] == "127.0.0.1");

        await first.SendFrameAsync(StompCommand.Disconnect, ("receipt", "bye"));
        await first.ExpectAsync(StompCommand.Receipt);
        await first.DisposeAsync();
        // The lease is released when the server has finished the closed session.
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await using var again = (await StompTestClient.ConnectAsync(_app.StompUri, user.AccessToken)).Client;
                return true;
            }
            catch (WebSocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Only_listed_origins_may_open_a_browser_session()
    {
        var foreign = await Assert.ThrowsAsync<WebSocketException>(() =>
            StompTestClient.OpenAsync(_app.StompUri, socket => socket.Options.SetRequestHeader("Origin", "https://evil.example")));
        Assert.Contains("403", foreign.Message);
        Assert.Contains(_security.Entries, e => e.EventName == "ConnectionRefused" && e.Values["Origin"] == "https://evil.example");

        await using (await StompTestClient.OpenAsync(_app.StompUri, socket => socket.Options.SetRequestHeader("Origin", "https://chat.example.com")))
        {
        }
        // Without an Origin (not a browser) the origin policy does not apply.
        await using (await StompTestClient.OpenAsync(_app.StompUri))
        {
        }
    }

    [Fact]
    public async Task Failed_logins_locks_refresh_reuse_and_deletions_are_security_events_without_secrets()
    {
        var api = _app.CreateShootClient();
        var user = await api.CreateUserAsync("se", password: "Sup3rSecretPw");
        for (var i = 0; i < 2; i++)
            (await api.PostAsync("/api/v1/auth/login", new { username = user.Username, password = "Wr0ngGuess" + i })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await api.PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertStatus(HttpStatusCode.OK);
        (await api.PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        // A locked username cannot delete its account either, even with the right password (the lockout is shared).
        (await api.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = "Sup3rSecretPw" }, user.AccessToken))
            .AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        var leaving = await api.CreateUserAsync("se", password: "Sup3rSecretPw");
        (await api.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = "Sup3rSecretPw" }, leaving.AccessToken)).AssertStatus(HttpStatusCode.OK);

        var events = _security.Entries.ToList();
        var id = user.Id.ToString();
        Assert.Equal(2, events.Count(e => e.EventName == "LoginFailed" && e.Values["UserId"] == id && e.Values["ClientAddress"] == "127.0.0.1"));
        Assert.Single(events, e => e.EventName == "UsernameLocked" && e.Values["Username"] == user.Username.ToLowerInvariant());
        Assert.Single(events, e => e.EventName == "RefreshTokenReuse" && e.Values["UserId"] == id);
        Assert.Single(events, e => e.EventName == "AccountDeleted" && e.Values["UserId"] == leaving.Id.ToString());
        Assert.DoesNotContain(events, e => e.EventName == "AccountDeleted" && e.Values["UserId"] == id);
        Assert.All(events, e => Assert.Equal(SecurityEvents.Category, e.Category));
        foreach (var secret in new[] { "Sup3rSecretPw", "Wr0ngGuess0", "Wr0ngGuess1", user.RefreshToken, user.AccessToken, leaving.AccessToken })
            Assert.DoesNotContain(events, e => e.Text.Contains(secret) || e.Values.Values.Any(v => v?.Contains(secret) == true));
    }
}
