using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Users;

/// <summary>
/// Issue 14, item 7: <c>DELETE /api/v1/users/me</c>. Runs on SQLite (<see cref="AccountDeletionOnSqlite"/>) and on
/// PostgreSQL (<see cref="AccountDeletionOnPostgres"/>), each a real Kestrel server with STOMP and SSE clients.
/// </summary>
public abstract class AccountDeletionSuite
{
    protected abstract ShootAppFactory Factory { get; }

    private ShootClient Client => Factory.CreateShootClient();

    [Fact]
    public async Task A_wrong_or_missing_password_deletes_nothing()
    {
        var user = await Client.CreateUserAsync("dw");
        (await Client.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = "wrongpass1" }, user.AccessToken))
            .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await Client.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { }, user.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await Client.GetAsync("/api/v1/users/me", user.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_deletion_passwords_count_toward_the_login_lock_and_the_lock_refuses_both()
    {
        // Default Shoot:Limits:LoginFailuresBeforeLock is 5: three wrong deletions and two wrong logins make five.
        var user = await Client.CreateUserAsync("dl");
        for (var i = 0; i < 3; i++)
        {
            (await Client.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = "wrongpass1" }, user.AccessToken))
                .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }
        for (var i = 0; i < 2; i++)
            (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = "wrongpass1" })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        var login = (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password }))
            .AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.NotNull(login.RetryAfter);
        // Locked: even the right password cannot delete the account (a stolen token is no way around the lock).
        (await Client.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = user.Password }, user.AccessToken))
            .AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        (await Client.GetAsync("/api/v1/users/me", user.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleting_an_account_ends_its_tokens_sessions_memberships_and_relations_at_once()
    {
        var api = Client;
        var alice = await api.CreateUserAsync("da");
        var bob = await api.CreateUserAsync("da");
        var carol = await api.CreateUserAsync("da");
        var group = await CreateRoomAsync(alice, "GROUP", bob.Id, carol.Id);
        var pair = await CreateRoomAsync(alice, "INDIVIDUAL", bob.Id);
        var request = (await api.PostAsync("/api/v1/users/friends/requests", new { targetUserId = bob.Id }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        (await api.PostAsync($"/api/v1/users/friends/requests/{request}/accept", null, bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await api.PostAsync("/api/v1/users/friends/requests", new { targetUserId = carol.Id }, alice.AccessToken)).AssertStatus(HttpStatusCode.Created);
        (await api.PostAsync("/api/v1/messages/schedule",
            new { roomId = group, text = "later", scheduledAt = DateTimeOffset.UtcNow.AddDays(1), recurrence = "NONE" }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created);

        await using var chat = await ChatClient.ConnectAsync(Factory.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/message/status/{group}");
        var messageId = await chat.SendSavedAsync(group, "d-1", "written before leaving");
        await using var stream = await SseTestClient.OpenAsync(Factory.ServerAddress, $"/api/v1/sse/updates/{alice.Id}", alice.AccessToken);

        (await api.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = alice.Password }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);

        // Every token refused, every open session and stream closed.
        (await api.GetAsync("/api/v1/users/me", alice.AccessToken)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await api.PostAsync("/api/v1/auth/refresh", new { refreshToken = alice.RefreshToken })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await api.PostAsync("/api/v1/auth/login", new { username = alice.Username, password = alice.Password })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await Eventually.HoldsAsync(() => Task.FromResult(chat.Closed), TimeSpan.FromSeconds(30));
        await stream.WaitForEndAsync();

        // Gone for everyone else; ownership passed; the pair room stays for Bob; friendships and requests removed.
        (await api.GetAsync($"/api/v1/users/{alice.Id}", bob.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        var room = (await api.GetAsync($"/api/v1/chatrooms/{group}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        var participants = room["participants"]!.AsArray();
        Assert.DoesNotContain(participants, p => p!["userId"]!.GetValue<long>() == alice.Id);
        Assert.Single(participants, p => p!["role"]!.GetValue<string>() == "OWNER");
        (await api.GetAsync($"/api/v1/chatrooms/{pair}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Empty((await api.GetAsync("/api/v1/users/friends", bob.AccessToken)).Data["items"]!.AsArray());
        Assert.Empty((await api.GetAsync("/api/v1/users/friends/requests", carol.AccessToken)).Data["incoming"]!.AsArray());
        Assert.Empty((await api.GetAsync($"/api/v1/users/search?q={alice.Username}", bob.AccessToken)).Data["items"]!.AsArray());
        (await api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "x", participantIds = new[] { alice.Id } }, bob.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        // Their messages stay in history under their id, and the username is free again.
        var stored = (await api.GetAsync($"/api/v1/messages/{messageId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal(alice.Id, stored["senderId"]!.GetValue<long>());
        (await api.PostAsync("/api/v1/auth/signup", new { username = alice.Username, nickname = "New", password = "secret123" }))
            .AssertStatus(HttpStatusCode.Created);
        await using var connection = await Factory.Services.GetRequiredService<ISqlDatabase>().OpenAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM scheduled_messages WHERE user_id = @id AND status = 'PENDING'", new { id = alice.Id }));
    }

    private async Task<long> CreateRoomAsync(TestUser owner, string type, params long[] others) =>
        (await Client.PostAsync("/api/v1/chatrooms", new { type, title = type == "GROUP" ? "g" : null, participantIds = others }, owner.AccessToken))
        .Data["id"]!.GetValue<long>();
}

[Trait("Category", "Integration")]
public sealed class AccountDeletionOnSqlite : AccountDeletionSuite, IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    protected override ShootAppFactory Factory => _factory;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}

[Trait("Category", "Integration")]
public sealed class AccountDeletionOnPostgres(SharedPostgres postgres) : AccountDeletionSuite, IClassFixture<SharedPostgres>, IAsyncLifetime
{
    private ShootAppFactory? _factory;

    protected override ShootAppFactory Factory => _factory ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() =>
        _factory = new ShootAppFactory(ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync()), kestrel: true);

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}
