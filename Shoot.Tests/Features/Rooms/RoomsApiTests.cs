using System.Net;
using System.Text.Json.Nodes;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Rooms;

/// <summary>
/// docs/api.md §4 through the real HTTP API, run once per relational backend (<see cref="RoomsOnSqlite"/>,
/// <see cref="RoomsOnPostgres"/>). Each test signs up its own users, so tests never see each other's rooms.
/// </summary>
public abstract partial class RoomsApiTests
{
    protected abstract ShootAppFactory Factory { get; }

    /// <summary>A host of its own on this backend (one host per data directory: a second on the same one is refused).</summary>
    protected abstract Task<ShootAppFactory> NewFactoryAsync();

    private ShootClient Client => Factory.CreateShootClient();

    /// <summary>A user signed up and logged in through the API, renamed to <paramref name="nickname"/> (search and titles use it).</summary>
    protected async Task<TestUser> UserAsync(string nickname, ShootClient? via = null)
    {
        var client = via ?? Client;
        var user = await client.CreateUserAsync();
        (await client.PutAsync("/api/v1/users/me", new { nickname }, user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        return user;
    }

    /// <summary>Sign-up only, for users who are only ever added to rooms (one bcrypt hash instead of two).</summary>
    protected async Task<long> GuestAsync()
    {
        var signup = await Client.PostAsync("/api/v1/auth/signup",
            new { username = "g" + Guid.NewGuid().ToString("N")[..12], nickname = "Guest", password = "passw0rd1" });
        return signup.AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
    }

    protected Task<ApiResponse> GetAsync(TestUser caller, string path) => Client.GetAsync(path, caller.AccessToken);

    protected Task<ApiResponse> PostAsync(TestUser caller, string path, object? body = null) => Client.PostAsync(path, body, caller.AccessToken);

    protected Task<ApiResponse> PutAsync(TestUser caller, string path, object body) => Client.PutAsync(path, body, caller.AccessToken);

    protected Task<ApiResponse> DeleteAsync(TestUser caller, string path) => Client.DeleteAsync(path, caller.AccessToken);

    protected static string RoomPath(long roomId, string rest = "") => $"/api/v1/chatrooms/{roomId}{rest}";

    protected static long IdOf(JsonNode? node) => node!["id"]!.GetValue<long>();

    protected static string? Text(JsonNode? node, string property) => node![property]?.GetValue<string>();

    /// <summary>The property is there, and JSON null (a missing one would pass a plain null check).</summary>
    protected static void AssertNull(JsonNode? node, string property)
    {
        Assert.True(node!.AsObject().ContainsKey(property), $"no {property} in {node.ToJsonString()}");
        Assert.Null(node[property]);
    }

    protected static List<JsonNode> Items(ApiResponse response) => [.. response.Data["items"]!.AsArray().Select(n => n!)];

    protected Task<ApiResponse> CreateAsync(TestUser caller, string type, IEnumerable<long> participantIds, string? title = null) =>
        PostAsync(caller, "/api/v1/chatrooms", new { type, participantIds = participantIds.ToArray(), title });

    protected async Task<long> NewGroupAsync(TestUser owner, string title, params TestUser[] others) =>
        IdOf((await CreateAsync(owner, "GROUP", others.Select(o => o.Id), title)).AssertStatus(HttpStatusCode.Created).Data);

    protected async Task<long> NewIndividualAsync(TestUser caller, TestUser other)
    {
        var created = await CreateAsync(caller, "INDIVIDUAL", [other.Id]);
        Assert.True(created.Status is HttpStatusCode.Created or HttpStatusCode.OK, created.RawJson);
        return IdOf(created.Data);
    }

    protected Task<ApiResponse> SetRoleAsync(TestUser caller, long roomId, TestUser target, string role) =>
        PutAsync(caller, RoomPath(roomId, $"/participants/{target.Id}/role"), new { role });

    /// <summary>userId → role, in join order.</summary>
    protected async Task<Dictionary<long, string>> RolesAsync(TestUser viewer, long roomId) =>
        Items((await GetAsync(viewer, RoomPath(roomId, "/participants"))).AssertStatus(HttpStatusCode.OK))
            .ToDictionary(p => p["userId"]!.GetValue<long>(), p => Text(p, "role")!);

    protected async Task<List<long>> RoomIdsAsync(TestUser viewer, string path = "/api/v1/chatrooms") =>
        [.. Items((await GetAsync(viewer, path)).AssertStatus(HttpStatusCode.OK)).Select(IdOf)];

    [Fact]
    public async Task Group_creator_is_owner_others_are_members_and_the_shapes_follow_the_contract()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");

        // The creator's own id in the list is ignored, as are duplicates.
        var created = await CreateAsync(alice, "GROUP", [bob.Id, carol.Id, alice.Id, bob.Id], "  Trip  ");

        created.AssertStatus(HttpStatusCode.Created);
        var room = created.Data;
        Assert.Equal("GROUP", room["type"]!.GetValue<string>());
        Assert.Equal("Trip", room["title"]!.GetValue<string>());
        AssertNull(room, "announcement");
        AssertNull(room, "lastMessage");
        Assert.Equal(room["createdAt"]!.GetValue<string>(), room["lastActiveAt"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", room["createdAt"]!.GetValue<string>());
        var participants = room["participants"]!.AsArray().Select(p => p!).ToList();
        Assert.Equal([alice.Id, bob.Id, carol.Id], participants.Select(p => p["userId"]!.GetValue<long>()));
        Assert.Equal(["OWNER", "MEMBER", "MEMBER"], participants.Select(p => p["role"]!.GetValue<string>()));
        Assert.Equal(["Alice", "Bob", "Carol"], participants.Select(p => p["nickname"]!.GetValue<string>()));
        Assert.All(participants, p => AssertNull(p, "lastReadMessageId"));
        Assert.All(participants, p => Assert.Equal(room["createdAt"]!.GetValue<string>(), p["joinedAt"]!.GetValue<string>()));

        // Everyone in it sees it in their list, with the RoomSummary shape.
        var bobsList = await GetAsync(bob, "/api/v1/chatrooms");
        var summary = Assert.Single(Items(bobsList));
        Assert.Equal(room["id"]!.GetValue<long>(), summary["id"]!.GetValue<long>());
        Assert.Equal(0, summary["unreadCount"]!.GetValue<long>());
        Assert.False(summary["favorite"]!.GetValue<bool>());
        Assert.Equal(
            ["id", "type", "title", "unreadCount", "lastMessage", "lastActiveAt", "favorite"],
            summary.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Group_size_is_two_to_a_hundred_including_the_creator()
    {
        var owner = await UserAsync("Owner");
        var others = new List<long>();
        for (var i = 0; i < 100; i++)
            others.Add(await GuestAsync());

        (await CreateAsync(owner, "GROUP", [owner.Id], "Alone")).AssertStatus(HttpStatusCode.BadRequest);
        (await CreateAsync(owner, "GROUP", [], "Nobody")).AssertStatus(HttpStatusCode.BadRequest);
        var tooMany = await CreateAsync(owner, "GROUP", others, "101");
        tooMany.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(tooMany.Body["errors"]!["participantIds"]);

        var two = await CreateAsync(owner, "GROUP", others.Take(1), "Two");
        two.AssertStatus(HttpStatusCode.Created);
        var full = await CreateAsync(owner, "GROUP", others.Take(99), "Hundred");
        full.AssertStatus(HttpStatusCode.Created);
        var fullId = IdOf(full.Data);
        Assert.Equal(100, full.Data["participants"]!.AsArray().Count);

        // Adding is capped too: the 101st is refused as a limit (409), and nobody is added.
        var add = await PostAsync(owner, RoomPath(fullId, "/participants"), new { userIds = new[] { others[99] } });
        add.AssertStatus(HttpStatusCode.Conflict);
        Assert.Equal(100, (await RolesAsync(owner, fullId)).Count);

        // Two adds racing for the last seat: one gets it, the other is refused, and the room never passes 100.
        var almostFull = IdOf((await CreateAsync(owner, "GROUP", others.Take(98), "99")).AssertStatus(HttpStatusCode.Created).Data);
        var racing = await Task.WhenAll(
            PostAsync(owner, RoomPath(almostFull, "/participants"), new { userIds = new[] { others[98] } }),
            PostAsync(owner, RoomPath(almostFull, "/participants"), new { userIds = new[] { others[99] } }));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], racing.Select(r => r.Status).Order());
        Assert.Equal(100, (await RolesAsync(owner, almostFull)).Count);
    }

    [Fact]
    public async Task Unknown_user_ids_are_a_validation_failure_naming_them()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");

        var response = await CreateAsync(alice, "GROUP", [bob.Id, 999_001, 999_002], "Ghosts");

        response.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Equal("VALIDATION_FAILED", response.ErrorCode);
        var why = response.Body["errors"]!["participantIds"]![0]!.GetValue<string>();
        Assert.Contains("999001", why);
        Assert.Contains("999002", why);
        Assert.Empty(await RoomIdsAsync(alice));
        (await CreateAsync(alice, "INDIVIDUAL", [999_003])).AssertStatus(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("CHANNEL")]
    [InlineData(null)]
    public async Task Type_must_be_individual_or_group(string? type)
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var response = await PostAsync(alice, "/api/v1/chatrooms", new { type, participantIds = new[] { bob.Id } });
        response.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(response.Body["errors"]!["type"]);
    }

    [Fact]
    public async Task Rooms_are_listed_most_recently_active_first()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");

        var first = await NewGroupAsync(alice, "First", bob);
        var second = await NewIndividualAsync(alice, carol);
        var third = await NewGroupAsync(bob, "Third", alice, carol);

        // Nothing has been said yet, so activity is creation: the newest room leads.
        Assert.Equal([third, second, first], await RoomIdsAsync(alice));
        Assert.Equal([third, first], await RoomIdsAsync(bob));
        Assert.Equal([third, second], await RoomIdsAsync(carol));
    }

    [Fact]
    public async Task A_request_without_a_token_is_unauthorized()
    {
        (await Client.GetAsync("/api/v1/chatrooms")).AssertStatus(HttpStatusCode.Unauthorized);
        (await Client.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { 1 } })).AssertStatus(HttpStatusCode.Unauthorized);
    }
}

[Trait("Category", "Integration")]
public sealed class RoomsOnSqlite : RoomsApiTests, IClassFixture<SqliteApp>
{
    public RoomsOnSqlite(SqliteApp app) => Factory = app.Factory;

    protected override ShootAppFactory Factory { get; }

    protected override Task<ShootAppFactory> NewFactoryAsync() => Task.FromResult(new ShootAppFactory());
}

[Trait("Category", "Integration")]
public sealed class RoomsOnPostgres(PostgresApp app) : RoomsApiTests, IClassFixture<PostgresApp>
{
    protected override ShootAppFactory Factory => app.Factory;

    protected override async Task<ShootAppFactory> NewFactoryAsync() =>
        new(ShootAppFactory.PostgresSettings(await new SharedPostgres().CreateDatabaseAsync()));
}
