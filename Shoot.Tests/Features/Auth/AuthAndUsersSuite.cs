using System.Net;
using Microsoft.IdentityModel.Tokens;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Auth;

/// <summary>docs/api.md §2 against one backend; <see cref="AuthAndUsersOnSqlite"/> and <see cref="AuthAndUsersOnPostgres"/> run it on each.</summary>
public abstract class AuthAndUsersSuite
{
    protected abstract ShootAppFactory Factory { get; }

    private ShootClient Client => Factory.CreateShootClient();

    [Fact]
    public async Task Signup_login_and_me_return_the_own_view()
    {
        var username = "al" + Guid.NewGuid().ToString("N")[..8];
        var signup = (await Client.PostAsync("/api/v1/auth/signup", new { username, nickname = " Alice ", password = "secret123", bio = "hi" }))
            .AssertStatus(HttpStatusCode.Created);
        Assert.Equal(username, signup.Data["username"]!.GetValue<string>());
        Assert.Equal("Alice", signup.Data["nickname"]!.GetValue<string>());
        Assert.Equal("OFFLINE", signup.Data["status"]!.GetValue<string>());
        Assert.Matches("^[A-Z0-9]{8}$", signup.Data["userCode"]!.GetValue<string>());
        Assert.Null(signup.Data["passwordHash"]);

        var login = (await Client.PostAsync("/api/v1/auth/login", new { username, password = "secret123" })).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(signup.Data["id"]!.GetValue<long>(), login.Data["userId"]!.GetValue<long>());
        Assert.Equal(3600, login.Data["expiresIn"]!.GetValue<long>());
        var me = (await Client.GetAsync("/api/v1/users/me", login.Data["accessToken"]!.GetValue<string>())).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(signup.Data.ToJsonString(), me.Data.ToJsonString());
    }

    [Theory]
    [InlineData("ab", "Nick", "secret123", "username")]
    [InlineData("abcdefghijklmnopqrstu", "Nick", "secret123", "username")]
    [InlineData("bad-name!", "Nick", "secret123", "username")]
    [InlineData(null, "Nick", "secret123", "username")]
    [InlineData("gooduser1", "", "secret123", "nickname")]
    [InlineData("gooduser1", "0123456789012345678901234567890", "secret123", "nickname")]
    [InlineData("gooduser1", "Nick", "short1", "password")]
    [InlineData("gooduser1", "Nick", "onlyletters", "password")]
    [InlineData("gooduser1", "Nick", "12345678", "password")]
    [InlineData("gooduser1", "Nick", null, "password")]
    public async Task Signup_rejects_each_invalid_field_with_its_name(string? username, string? nickname, string? password, string field)
    {
        var response = await Client.PostAsync("/api/v1/auth/signup", new { username, nickname, password });
        response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(response.Body["errors"]![field]);
    }

    [Fact]
    public async Task Signup_rejects_a_password_over_72_bytes_and_a_long_bio()
    {
        var longPassword = await Client.PostAsync("/api/v1/auth/signup", new { username = "pw" + Guid.NewGuid().ToString("N")[..8], nickname = "N", password = "a1" + new string('한', 24) });
        Assert.NotNull(longPassword.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["password"]);
        var longBio = await Client.PostAsync("/api/v1/auth/signup", new { username = "bi" + Guid.NewGuid().ToString("N")[..8], nickname = "N", password = "secret123", bio = new string('b', 201) });
        Assert.NotNull(longBio.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["bio"]);
    }

    [Fact]
    public async Task Duplicate_username_is_409_regardless_of_case()
    {
        var user = await Client.CreateUserAsync("dup");
        var again = await Client.PostAsync("/api/v1/auth/signup", new { username = user.Username.ToUpperInvariant(), nickname = "X", password = "secret123" });
        again.AssertError(HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Simultaneous_signups_for_one_name_create_one_account()
    {
        var username = "race" + Guid.NewGuid().ToString("N")[..8];
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Client.PostAsync("/api/v1/auth/signup", new { username, nickname = "Racer", password = "secret123" })));
        Assert.Single(attempts, a => a.Status == HttpStatusCode.Created);
        Assert.All(attempts.Where(a => a.Status != HttpStatusCode.Created), a => a.AssertError(HttpStatusCode.Conflict, "CONFLICT"));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_get_the_same_401()
    {
        var user = await Client.CreateUserAsync("wp");
        var wrong = (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = "wrongpass1" }))
            .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        var unknown = (await Client.PostAsync("/api/v1/auth/login", new { username = "nobody" + Guid.NewGuid().ToString("N")[..6], password = "wrongpass1" }))
            .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal(wrong.Body["message"]!.GetValue<string>(), unknown.Body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Five_failures_lock_the_username_with_429_and_retry_after()
    {
        var user = await Client.CreateUserAsync("lock");
        for (var i = 0; i < 5; i++)
            (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = "wrongpass1" }))
                .AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        // Locked now: even the right password is refused until the lock ends.
        var locked = (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password }))
            .AssertError(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.NotNull(locked.RetryAfter);
        Assert.InRange(locked.RetryAfter!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        // The lock is per username: another account from the same client still signs in.
        var other = await Client.CreateUserAsync("free");
        (await Client.PostAsync("/api/v1/auth/login", new { username = other.Username, password = other.Password })).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        var user = await Client.CreateUserAsync("reset");
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++)
                (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = "wrongpass1" })).AssertStatus(HttpStatusCode.Unauthorized);
            (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password })).AssertStatus(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Hostile_tokens_are_401()
    {
        var user = await Client.CreateUserAsync("tok");
        var victim = await Client.CreateUserAsync("vic");
        var forge = new TokenForge(Factory);
        (await Client.GetAsync("/api/v1/users/me", forge.Valid(user.Id))).AssertStatus(HttpStatusCode.OK);

        var expired = (await Client.GetAsync("/api/v1/users/me", forge.Expired(user.Id))).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Contains("expired", expired.Body["message"]!.GetValue<string>());
        foreach (var token in new[]
                 {
                     forge.Tampered(user.Id, victim.Id),
                     TokenForge.Unsigned(victim.Id),
                     forge.SignedWithOtherKey(victim.Id),
                     forge.Create(victim.Id, DateTime.UtcNow.AddMinutes(10), SecurityAlgorithms.HmacSha512),
                     "not-a-jwt", "a.b.c", "..", new string('x', 20_000),
                 })
            (await Client.GetAsync("/api/v1/users/me", token)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family()
    {
        var user = await Client.CreateUserAsync("rot");
        var first = (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertStatus(HttpStatusCode.OK);
        var second = first.Data["refreshToken"]!.GetValue<string>();
        Assert.NotEqual(user.RefreshToken, second);
        (await Client.GetAsync("/api/v1/users/me", first.Data["accessToken"]!.GetValue<string>())).AssertStatus(HttpStatusCode.OK);

        // The old token again: a leak. It fails, and so does the newest token of the same family.
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = second })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        // Another login of the same user is another family and keeps working.
        var login = (await Client.PostAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password })).AssertStatus(HttpStatusCode.OK);
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = login.Data["refreshToken"]!.GetValue<string>() })).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Concurrent_refreshes_with_one_token_yield_at_most_one_new_token()
    {
        var user = await Client.CreateUserAsync("conc");
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })));
        Assert.True(results.Count(r => r.Status == HttpStatusCode.OK) <= 1);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r => r.AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED"));
    }

    [Fact]
    public async Task Refresh_rejects_unknown_and_empty_tokens()
    {
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = "made-up" })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = "" })).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Logout_revokes_only_the_callers_own_refresh_token()
    {
        var alice = await Client.CreateUserAsync("lo");
        var bob = await Client.CreateUserAsync("lo");
        (await Client.PostAsync("/api/v1/auth/logout", new { refreshToken = bob.RefreshToken }, alice.AccessToken)).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await Client.PostAsync("/api/v1/auth/logout", new { refreshToken = alice.RefreshToken })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        var done = (await Client.PostAsync("/api/v1/auth/logout", new { refreshToken = alice.RefreshToken }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("{}", done.Data.ToJsonString());
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = alice.RefreshToken })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await Client.PostAsync("/api/v1/auth/refresh", new { refreshToken = bob.RefreshToken })).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Profile_edits_keep_absent_fields_and_validate_present_ones()
    {
        var user = await Client.CreateUserAsync("pr");
        var bio = (await Client.PutAsync("/api/v1/users/me", new { bio = "about me" }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("about me", bio.Data["bio"]!.GetValue<string>());
        var nick = (await Client.PutAsync("/api/v1/users/me", new { nickname = "New Name" }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("New Name", nick.Data["nickname"]!.GetValue<string>());
        Assert.Equal("about me", nick.Data["bio"]!.GetValue<string>());
        var cleared = (await Client.PutAsync("/api/v1/users/me", new { bio = "" }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Null(cleared.Data["bio"]);
        (await Client.PutAsync("/api/v1/users/me", new { nickname = "   " }, user.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await Client.PutAsync("/api/v1/users/me", new { bio = new string('x', 201) }, user.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Theory]
    [InlineData("profile-image", "profileImageUrl")]
    [InlineData("background-image", "backgroundImageUrl")]
    public async Task Image_urls_must_be_http_or_https(string path, string field)
    {
        var user = await Client.CreateUserAsync("img");
        var set = (await Client.PutAsync($"/api/v1/users/me/{path}", new { url = "https://cdn.example.com/a.png" }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("https://cdn.example.com/a.png", set.Data[field]!.GetValue<string>());
        foreach (var bad in new[] { "javascript:alert(1)", "ftp://x/a.png", "/relative.png", "", "data:image/png;base64,AAAA" })
            (await Client.PutAsync($"/api/v1/users/me/{path}", new { url = bad }, user.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Another_users_view_hides_private_fields()
    {
        var alice = await Client.CreateUserAsync("pv");
        var bob = await Client.CreateUserAsync("pv");
        var seen = (await Client.GetAsync($"/api/v1/users/{bob.Id}", alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(bob.Username, seen.Data["username"]!.GetValue<string>());
        Assert.Null(seen.Data["userCode"]);
        Assert.DoesNotContain("password", seen.RawJson, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("refresh", seen.RawJson, StringComparison.OrdinalIgnoreCase);
        var own = (await Client.GetAsync($"/api/v1/users/{alice.Id}", alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.NotNull(own.Data["userCode"]);
        (await Client.GetAsync("/api/v1/users/987654321", alice.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Status_accepts_the_four_values_only()
    {
        var user = await Client.CreateUserAsync("st");
        var busy = (await Client.PutAsync("/api/v1/users/status", new { status = "BUSY" }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("BUSY", busy.Data["status"]!.GetValue<string>());
        Assert.NotNull(busy.Data["lastSeenAt"]);
        foreach (var bad in new object?[] { "SLEEPING", "busy", null, 3 })
            (await Client.PutAsync("/api/v1/users/status", new { status = bad }, user.AccessToken)).AssertStatus(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Search_finds_by_username_prefix_nickname_and_exact_code()
    {
        var me = await Client.CreateUserAsync("srch");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var target = (await Client.PostAsync("/api/v1/auth/signup", new { username = "zz" + tag, nickname = "Mo" + tag + "nick", password = "secret123" }))
            .AssertStatus(HttpStatusCode.Created);
        var code = target.Data["userCode"]!.GetValue<string>();

        async Task<List<string>> Find(string q) =>
            (await Client.GetAsync($"/api/v1/users/search?q={Uri.EscapeDataString(q)}", me.AccessToken)).AssertStatus(HttpStatusCode.OK)
            .Data["items"]!.AsArray().Select(u => u!["username"]!.GetValue<string>()).ToList();

        Assert.Contains("zz" + tag, await Find("ZZ" + tag[..4]));
        Assert.Contains("zz" + tag, await Find(tag + "NICK"));
        Assert.Equal(["zz" + tag], await Find(code));
        Assert.DoesNotContain(me.Username, await Find(me.Username));
        // LIKE wildcards are matched literally, not as "everything".
        Assert.Empty(await Find("%"));
        Assert.Empty(await Find("_"));
        (await Client.GetAsync("/api/v1/users/search?q=", me.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await Client.GetAsync("/api/v1/users/search?q=a&limit=0", me.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        (await Client.GetAsync("/api/v1/users/search?q=a&limit=abc", me.AccessToken)).AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Every_user_endpoint_requires_a_token()
    {
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/users/me"), (HttpMethod.Put, "/api/v1/users/me"), (HttpMethod.Put, "/api/v1/users/me/profile-image"),
                     (HttpMethod.Put, "/api/v1/users/me/background-image"), (HttpMethod.Get, "/api/v1/users/1"), (HttpMethod.Put, "/api/v1/users/status"),
                     (HttpMethod.Get, "/api/v1/users/search?q=a"), (HttpMethod.Post, "/api/v1/auth/logout"),
                 })
            (await Client.SendAsync(method, path, new { })).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }
}
