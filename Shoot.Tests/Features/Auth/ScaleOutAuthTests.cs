using System.Net;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Auth;

/// <summary>Two Shoot instances sharing PostgreSQL and Redis behave as one: tokens, lockouts and refresh families hold across them.</summary>
[Trait("Category", "Integration")]
public sealed class ScaleOutAuthTests(RedisServerFixture redis, PostgresServerFixture postgres)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    private ShootAppFactory _first = null!;
    private ShootAppFactory _second = null!;

    public async Task InitializeAsync()
    {
        var settings = ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync());
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        _first = new ShootAppFactory(settings);
        _second = new ShootAppFactory(settings);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task A_token_from_one_instance_works_on_the_other()
    {
        var user = await _first.CreateShootClient().CreateUserAsync("so");
        var me = (await _second.CreateShootClient().GetAsync("/api/v1/users/me", user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(user.Id, me.Data["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Failed_logins_on_both_instances_add_up_to_one_lockout()
    {
        var user = await _first.CreateShootClient().CreateUserAsync("lk");
        var clients = new[] { _first.CreateShootClient(), _second.CreateShootClient() };
        for (var i = 0; i < 5; i++)
            (await clients[i % 2].PostAsync("/api/v1/auth/login", new { username = user.Username, password = "wrongpass1" })).AssertStatus(HttpStatusCode.Unauthorized);
        foreach (var client in clients)
            (await client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password })).AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
    }

    [Fact]
    public async Task Reuse_detected_on_the_other_instance_revokes_the_family()
    {
        var user = await _first.CreateShootClient().CreateUserAsync("fam");
        var rotated = (await _first.CreateShootClient().PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertStatus(HttpStatusCode.OK);
        (await _second.CreateShootClient().PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertStatus(HttpStatusCode.Unauthorized);
        (await _first.CreateShootClient().PostAsync("/api/v1/auth/refresh", new { refreshToken = rotated.Data["refreshToken"]!.GetValue<string>() }))
            .AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Readiness_checks_redis_too()
    {
        var ready = (await _second.CreateShootClient().GetAsync("/health/ready")).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Healthy", ready.Data["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", ready.Data["checks"]!["postgres"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Readiness_is_503_when_a_configured_backend_is_down()
    {
        var settings = ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync());
        settings["ConnectionStrings:Redis"] = $"127.0.0.1:{FreePort.Next()},connectTimeout=500";
        await using var orphan = new ShootAppFactory(settings);
        var client = orphan.CreateShootClient();
        var ready = (await client.GetAsync("/health/ready")).AssertError(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Contains("redis", ready.Body["message"]!.GetValue<string>());
        Assert.DoesNotContain("Exception", ready.RawJson);
        (await client.GetAsync("/health/live")).AssertStatus(HttpStatusCode.OK);
    }
}
