using System.Net;
using System.Net.Http.Headers;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Scheduling;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Scheduling;

/// <summary>
/// /hangfire on the real host: who may see it (loopback; Shoot:Admins with a valid token in the header or the cookie;
/// 401 without a valid token; 403 for other users) and whether it may change jobs (Shoot:Hangfire:DashboardWritable).
/// Requests "from elsewhere" come through a trusted proxy header, X-Forwarded-For, which is how a remote client's
/// address reaches the app behind nginx.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HangfireDashboardTests : IAsyncLifetime
{
    private const string Remote = "203.0.113.7";
    private ShootAppFactory _readOnly = null!, _writable = null!;

    private static Dictionary<string, string?> Settings(bool writable) => new()
    {
        ["Shoot:TrustForwardedHeaders"] = "true",
        ["Shoot:Admins:0"] = "dash_admin",
        [HangfireDashboard.WritableKey] = writable ? "true" : "false",
    };

    public Task InitializeAsync()
    {
        _readOnly = new ShootAppFactory(Settings(writable: false), kestrel: true);
        _writable = new ShootAppFactory(Settings(writable: true), kestrel: true);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _readOnly.DisposeAsync();
        await _writable.DisposeAsync();
    }

    /// <summary>Signs up <paramref name="username"/> and returns its access token.</summary>
    private static async Task<string> SignUpAsync(ShootAppFactory factory, string username)
    {
        var api = factory.CreateShootClient();
        (await api.PostAsync("/api/v1/auth/signup", new { username, nickname = username, password = "passw0rd1" })).AssertStatus(HttpStatusCode.Created);
        var login = (await api.PostAsync("/api/v1/auth/login", new { username, password = "passw0rd1" })).AssertStatus(HttpStatusCode.OK);
        return login.Data["accessToken"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> GetAsync(ShootAppFactory factory, string path, string? forwardedFor = null,
        string? bearer = null, string? cookie = null)
    {
        using var http = new HttpClient { BaseAddress = factory.ServerAddress };
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (cookie is not null) request.Headers.Add("Cookie", $"{HangfireDashboard.TokenCookie}={cookie}");
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task The_machine_itself_sees_the_dashboard_without_a_token()
    {
        using var response = await GetAsync(_readOnly, "/hangfire");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Shoot — scheduled messages", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Others_get_401_without_a_valid_token_and_403_when_not_an_admin()
    {
        using (var anonymous = await GetAsync(_readOnly, "/hangfire", Remote))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var garbage = await GetAsync(_readOnly, "/hangfire", Remote, bearer: "not-a-token"))
            Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        var user = await SignUpAsync(_readOnly, "dash_user");
        using (var notAdmin = await GetAsync(_readOnly, "/hangfire", Remote, bearer: user))
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        // A loopback connection relayed by a proxy that is not trusted is not "this machine".
        using var untrusted = new ShootAppFactory(new Dictionary<string, string?> { ["Shoot:Admins:0"] = "x" }, kestrel: true);
        using (var relayed = await GetAsync(untrusted, "/hangfire", Remote))
            Assert.Equal(HttpStatusCode.Unauthorized, relayed.StatusCode);
    }

    [Fact]
    public async Task An_admin_gets_in_with_the_token_in_the_header_or_the_cookie()
    {
        var admin = await SignUpAsync(_readOnly, "Dash_Admin"); // usernames compare regardless of case
        using (var byHeader = await GetAsync(_readOnly, "/hangfire", Remote, bearer: admin))
            Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        using (var byCookie = await GetAsync(_readOnly, "/hangfire/jobs/scheduled", Remote, cookie: admin))
            Assert.Equal(HttpStatusCode.OK, byCookie.StatusCode);
    }

    [Theory]
    [InlineData(false, HttpStatusCode.Unauthorized)]
    [InlineData(true, HttpStatusCode.NoContent)]
    public async Task A_scheduled_message_job_is_listed_and_deletable_only_when_writable(bool writable, HttpStatusCode expected)
    {
        var factory = writable ? _writable : _readOnly;
        var api = factory.CreateShootClient();
        var alice = await api.CreateUserAsync("hd");
        var bob = await api.CreateUserAsync("hd");
        var room = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        (await api.PostAsync("/api/v1/messages/schedule", new { roomId = room, text = "later", scheduledAt = DateTimeOffset.UtcNow.AddHours(1) }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created);
        var monitoring = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var jobId = Assert.Single(monitoring.ScheduledJobs(0, 10)).Key;

        using (var page = await GetAsync(factory, "/hangfire/jobs/scheduled"))
            Assert.Contains(jobId, await page.Content.ReadAsStringAsync());

        using var http = new HttpClient { BaseAddress = factory.ServerAddress };
        using var delete = await http.PostAsync("/hangfire/jobs/scheduled/delete",
            new FormUrlEncodedContent([new KeyValuePair<string, string>("jobs[]", jobId)]));
        Assert.Equal(expected, delete.StatusCode);
        Assert.Equal(writable ? 0 : 1, monitoring.ScheduledCount());
    }
}
