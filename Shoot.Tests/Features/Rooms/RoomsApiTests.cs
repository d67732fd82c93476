using System.Net;
using System.Text.Json;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Features.Rooms;

/// <summary>
/// Contract §4 through the real HTTP API, run once per relational backend (see the derived classes). Every test starts
/// a fresh app on a fresh database and signs its users up through the API.
/// </summary>
public abstract partial class RoomsApiTests : IAsyncLifetime
{
    private TempDirectory? _dataDirectory;

    protected ApiHost Api { get; private set; } = null!;

    /// <summary>The settings that pick the backend, given a fresh data directory.</summary>
    protected abstract Task<Dictionary<string, string?>> BackendSettingsAsync(string dataDirectory);

    public async Task InitializeAsync()
    {
        _dataDirectory = await TempDirectory.CreateAsync("shoot-rooms-");
        Api = new ApiHost(await BackendSettingsAsync(_dataDirectory.Path));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dataDirectory?.Dispose();
    }

    protected static string RoomPath(long roomId, string rest = "") => $"/api/v1/chatrooms/{roomId}{rest}";

    protected Task<ApiResponse> CreateAsync(TestUser caller, string type, IEnumerable<long> participantIds, string? title = null) =>
        Api.PostAsync(caller, "/api/v1/chatrooms", new { type, participantIds = participantIds.ToArray(), title });

    protected async Task<long> NewGroupAsync(TestUser owner, string title, params TestUser[] others)
    {
        var created = await CreateAsync(owner, "GROUP", others.Select(o => o.Id), title);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        return created.Data.GetProperty("id").GetInt64();
    }

    protected async Task<long> NewIndividualAsync(TestUser caller, TestUser other)
    {
        var created = await CreateAsync(caller, "INDIVIDUAL", [other.Id]);
        Assert.True(created.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"status {created.Status}");
        return created.Data.GetProperty("id").GetInt64();
    }

    protected Task<ApiResponse> SetRoleAsync(TestUser caller, long roomId, TestUser target, string role) =>
        Api.PutAsync(caller, RoomPath(roomId, $"/participants/{target.Id}/role"), new { role });

    /// <summary>userId → role, from a Room's participants or a participants list.</summary>
    protected async Task<Dictionary<long, string>> RolesAsync(TestUser viewer, long roomId)
    {
        var list = await Api.GetAsync(viewer, RoomPath(roomId, "/participants"));
        Assert.Equal(HttpStatusCode.OK, list.Status);
        return list.Items.ToDictionary(p => p.GetProperty("userId").GetInt64(), p => p.GetProperty("role").GetString()!);
    }

    protected async Task<List<long>> RoomIdsAsync(TestUser viewer, string path = "/api/v1/chatrooms")
    {
        var list = await Api.GetAsync(viewer, path);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        return [.. list.Items.Select(r => r.GetProperty("id").GetInt64())];
    }

    protected static void AssertStatus(HttpStatusCode expected, ApiResponse response) =>
        Assert.True(expected == response.Status, $"expected {expected}, got {response.Status}: {response.Body}");

    [Fact]
    public async Task Group_creator_is_owner_others_are_members_and_the_shapes_follow_the_contract()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");

        // The creator's own id in the list is ignored, as are duplicates.
        var created = await CreateAsync(alice, "GROUP", [bob.Id, carol.Id, alice.Id, bob.Id], "  Trip  ");

        AssertStatus(HttpStatusCode.Created, created);
        var room = created.Data;
        Assert.Equal("GROUP", room.GetProperty("type").GetString());
        Assert.Equal("Trip", room.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, room.GetProperty("announcement").ValueKind);
        Assert.Equal(JsonValueKind.Null, room.GetProperty("lastMessage").ValueKind);
        Assert.Equal(room.GetProperty("createdAt").GetString(), room.GetProperty("lastActiveAt").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", room.GetProperty("createdAt").GetString());
        var participants = room.GetProperty("participants").EnumerateArray().ToList();
        Assert.Equal([alice.Id, bob.Id, carol.Id], participants.Select(p => p.GetProperty("userId").GetInt64()));
        Assert.Equal(["OWNER", "MEMBER", "MEMBER"], participants.Select(p => p.GetProperty("role").GetString()));
        Assert.Equal(["Alice", "Bob", "Carol"], participants.Select(p => p.GetProperty("nickname").GetString()));
        Assert.All(participants, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("lastReadMessageId").ValueKind));
        Assert.All(participants, p => Assert.Equal(room.GetProperty("createdAt").GetString(), p.GetProperty("joinedAt").GetString()));

        // Everyone in it sees it in their list, with the RoomSummary shape.
        var bobsList = await Api.GetAsync(bob, "/api/v1/chatrooms");
        var summary = Assert.Single(bobsList.Items);
        Assert.Equal(room.GetProperty("id").GetInt64(), summary.GetProperty("id").GetInt64());
        Assert.Equal(0, summary.GetProperty("unreadCount").GetInt64());
        Assert.False(summary.GetProperty("favorite").GetBoolean());
        Assert.Equal(
            ["id", "type", "title", "unreadCount", "lastMessage", "lastActiveAt", "favorite"],
            summary.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Group_size_is_two_to_a_hundred_including_the_creator()
    {
        var owner = await Api.SignUpAsync("Owner");
        var others = new List<long>();
        for (var i = 0; i < 100; i++)
            others.Add(await Api.SignUpSilentAsync($"Guest {i}"));

        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(owner, "GROUP", [owner.Id], "Alone"));
        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(owner, "GROUP", [], "Nobody"));
        var tooMany = await CreateAsync(owner, "GROUP", others, "101");
        AssertStatus(HttpStatusCode.BadRequest, tooMany);
        Assert.True(tooMany.Body.GetProperty("errors").TryGetProperty("participantIds", out _));

        var two = await CreateAsync(owner, "GROUP", others.Take(1), "Two");
        AssertStatus(HttpStatusCode.Created, two);
        var full = await CreateAsync(owner, "GROUP", others.Take(99), "Hundred");
        AssertStatus(HttpStatusCode.Created, full);
        var fullId = full.Data.GetProperty("id").GetInt64();
        Assert.Equal(100, full.Data.GetProperty("participants").GetArrayLength());

        // Adding is capped too: the 101st is refused as a limit (409), and nobody is added.
        var add = await Api.PostAsync(owner, RoomPath(fullId, "/participants"), new { userIds = new[] { others[99] } });
        AssertStatus(HttpStatusCode.Conflict, add);
        Assert.Equal(100, (await RolesAsync(owner, fullId)).Count);
    }

    [Fact]
    public async Task Unknown_user_ids_are_a_validation_failure_naming_them()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");

        var response = await CreateAsync(alice, "GROUP", [bob.Id, 999_001, 999_002], "Ghosts");

        AssertStatus(HttpStatusCode.BadRequest, response);
        Assert.Equal("VALIDATION_FAILED", response.ErrorCode);
        var why = response.Body.GetProperty("errors").GetProperty("participantIds")[0].GetString();
        Assert.Contains("999001", why);
        Assert.Contains("999002", why);
        Assert.Empty(await RoomIdsAsync(alice));
        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(alice, "INDIVIDUAL", [999_003]));
    }

    [Theory]
    [InlineData("CHANNEL")]
    [InlineData(null)]
    public async Task Type_must_be_individual_or_group(string? type)
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var response = await Api.PostAsync(alice, "/api/v1/chatrooms", new { type, participantIds = new[] { bob.Id } });
        AssertStatus(HttpStatusCode.BadRequest, response);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty("type", out _));
    }

    [Fact]
    public async Task Rooms_are_listed_most_recently_active_first()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");

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
        AssertStatus(HttpStatusCode.Unauthorized, await Api.GetAsync(null, "/api/v1/chatrooms"));
        AssertStatus(HttpStatusCode.Unauthorized, await Api.PostAsync(null, "/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { 1 } }));
    }
}

public sealed class SqliteRoomsApiTests : RoomsApiTests
{
    protected override Task<Dictionary<string, string?>> BackendSettingsAsync(string dataDirectory) =>
        Task.FromResult(new Dictionary<string, string?> { ["Shoot:DataDirectory"] = dataDirectory });
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRoomsApiTests(PostgresServerFixture postgres) : RoomsApiTests
{
    protected override async Task<Dictionary<string, string?>> BackendSettingsAsync(string dataDirectory) => new()
    {
        ["Shoot:DataDirectory"] = dataDirectory,
        ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync(),
        ["Jwt:SigningKey"] = "rooms-tests-hs256-signing-key-0123456789abcdef",
    };
}
