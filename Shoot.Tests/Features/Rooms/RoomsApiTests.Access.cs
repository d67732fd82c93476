using System.Net;
using System.Text.Json;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task A_non_participant_gets_the_same_404_on_every_room_endpoint_as_for_a_room_that_does_not_exist()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var stranger = await Api.SignUpAsync("Stranger");
        var roomId = await NewGroupAsync(alice, "Secret", bob);
        const long missingId = 987_654_321;

        foreach (var id in new[] { roomId, missingId })
        {
            var calls = new (string What, Func<Task<ApiResponse>> Call)[]
            {
                ("GET room", () => Api.GetAsync(stranger, RoomPath(id))),
                ("PUT room", () => Api.PutAsync(stranger, RoomPath(id), new { title = "Mine" })),
                ("DELETE room", () => Api.DeleteAsync(stranger, RoomPath(id))),
                ("GET participants", () => Api.GetAsync(stranger, RoomPath(id, "/participants"))),
                ("POST participants", () => Api.PostAsync(stranger, RoomPath(id, "/participants"), new { userIds = new[] { stranger.Id } })),
                ("DELETE own participant", () => Api.DeleteAsync(stranger, RoomPath(id, $"/participants/{stranger.Id}"))),
                ("DELETE other participant", () => Api.DeleteAsync(stranger, RoomPath(id, $"/participants/{bob.Id}"))),
                ("PUT role", () => SetRoleAsync(stranger, id, bob, "ADMIN")),
                ("GET notice", () => Api.GetAsync(stranger, RoomPath(id, "/notice"))),
                ("POST notice", () => Api.PostAsync(stranger, RoomPath(id, "/notice"), new { text = "Hello" })),
                ("POST favorite", () => Api.PostAsync(stranger, RoomPath(id, "/favorite"))),
                ("DELETE favorite", () => Api.DeleteAsync(stranger, RoomPath(id, "/favorite"))),
            };
            foreach (var (what, call) in calls)
            {
                var response = await call();
                Assert.True(response.Status == HttpStatusCode.NotFound, $"{what} on room {id}: {response.Status} {response.Body}");
                Assert.Equal("NOT_FOUND", response.ErrorCode);
                Assert.Equal("The room was not found.", response.Body.GetProperty("message").GetString());
            }
        }

        // Nothing changed, and the room shows up in none of the stranger's lists.
        Assert.Equal([alice.Id, bob.Id], (await RolesAsync(alice, roomId)).Keys);
        Assert.Equal("Secret", (await Api.GetAsync(alice, RoomPath(roomId))).Data.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, (await Api.GetAsync(alice, RoomPath(roomId, "/notice"))).Data.GetProperty("text").ValueKind);
        Assert.Empty(await RoomIdsAsync(stranger));
        Assert.Empty(await RoomIdsAsync(stranger, "/api/v1/chatrooms/favorites"));
        Assert.Empty(await RoomIdsAsync(stranger, "/api/v1/chatrooms/search?q=Secret"));
    }

    [Fact]
    public async Task Favorites_are_per_user_idempotent_and_listed()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");
        var liked = await NewGroupAsync(alice, "Liked", bob);
        var plain = await NewIndividualAsync(alice, carol);

        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(alice, RoomPath(liked, "/favorite")));
        var twice = await Api.PostAsync(alice, RoomPath(liked, "/favorite"));
        AssertStatus(HttpStatusCode.OK, twice);
        Assert.Equal(JsonValueKind.Object, twice.Data.ValueKind);
        Assert.Empty(twice.Data.EnumerateObject());

        var favorites = await Api.GetAsync(alice, "/api/v1/chatrooms/favorites");
        var favorite = Assert.Single(favorites.Items);
        Assert.Equal(liked, favorite.GetProperty("id").GetInt64());
        Assert.True(favorite.GetProperty("favorite").GetBoolean());
        var all = (await Api.GetAsync(alice, "/api/v1/chatrooms")).Items.ToDictionary(r => r.GetProperty("id").GetInt64(), r => r.GetProperty("favorite").GetBoolean());
        Assert.Equal(new Dictionary<long, bool> { [plain] = false, [liked] = true }, all);
        // Bob is in the room too, but the mark is Alice's.
        Assert.Empty(await RoomIdsAsync(bob, "/api/v1/chatrooms/favorites"));

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(alice, RoomPath(liked, "/favorite")));
        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(alice, RoomPath(liked, "/favorite")));
        Assert.Empty(await RoomIdsAsync(alice, "/api/v1/chatrooms/favorites"));
    }

    [Fact]
    public async Task Search_finds_the_callers_rooms_by_title_or_participant_nickname_and_nothing_else()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bobby Tables");
        var carol = await Api.SignUpAsync("Carol");
        var dave = await Api.SignUpAsync("Dave");
        var hiking = await NewGroupAsync(alice, "Weekend Hiking", carol);
        var withBob = await NewIndividualAsync(alice, bob);
        var carolsOwn = await NewGroupAsync(carol, "Hiking club", dave, bob);

        Assert.Equal([hiking], await RoomIdsAsync(alice, "/api/v1/chatrooms/search?q=hiking"));
        Assert.Equal([withBob], await RoomIdsAsync(alice, "/api/v1/chatrooms/search?q=tables"));
        Assert.Equal([carolsOwn, withBob], await RoomIdsAsync(bob, "/api/v1/chatrooms/search?q=a"));
        // The caller's own nickname matches nothing by itself; LIKE wildcards are taken literally.
        Assert.Empty(await RoomIdsAsync(alice, "/api/v1/chatrooms/search?q=alice"));
        Assert.Empty(await RoomIdsAsync(alice, "/api/v1/chatrooms/search?q=%25"));
        Assert.Equal([carolsOwn, hiking], await RoomIdsAsync(carol, "/api/v1/chatrooms/search?q=HIKING"));
        Assert.Empty(await RoomIdsAsync(dave, "/api/v1/chatrooms/search?q=weekend"));

        AssertStatus(HttpStatusCode.BadRequest, await Api.GetAsync(alice, "/api/v1/chatrooms/search"));
        AssertStatus(HttpStatusCode.BadRequest, await Api.GetAsync(alice, "/api/v1/chatrooms/search?q=" + new string('x', 51)));
    }

    [Fact]
    public async Task The_notice_holds_up_to_500_characters_and_says_who_set_it()
    {
        var owner = await Api.SignUpAsync("Owner");
        var admin = await Api.SignUpAsync("Admin");
        var member = await Api.SignUpAsync("Member");
        var roomId = await NewGroupAsync(owner, "Club", admin, member);
        AssertStatus(HttpStatusCode.OK, await SetRoleAsync(owner, roomId, admin, "ADMIN"));

        var empty = await Api.GetAsync(member, RoomPath(roomId, "/notice"));
        AssertStatus(HttpStatusCode.OK, empty);
        Assert.Equal(JsonValueKind.Null, empty.Data.GetProperty("updatedBy").ValueKind);

        var tooLong = await Api.PostAsync(admin, RoomPath(roomId, "/notice"), new { text = new string('n', 501) });
        AssertStatus(HttpStatusCode.BadRequest, tooLong);
        Assert.True(tooLong.Body.GetProperty("errors").TryGetProperty("text", out _));
        AssertStatus(HttpStatusCode.BadRequest, await Api.PostAsync(admin, RoomPath(roomId, "/notice"), new { }));

        var text = new string('n', 500);
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(admin, RoomPath(roomId, "/notice"), new { text }));
        var notice = await Api.GetAsync(member, RoomPath(roomId, "/notice"));
        Assert.Equal(text, notice.Data.GetProperty("text").GetString());
        Assert.Equal(admin.Id, notice.Data.GetProperty("updatedBy").GetInt64());
        Assert.Matches(@"Z$", notice.Data.GetProperty("updatedAt").GetString());

        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(owner, RoomPath(roomId, "/notice"), new { text = "Updated" }));
        Assert.Equal(owner.Id, (await Api.GetAsync(member, RoomPath(roomId, "/notice"))).Data.GetProperty("updatedBy").GetInt64());
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(owner, RoomPath(roomId, "/notice"), new { text = "" }));
        Assert.Equal(JsonValueKind.Null, (await Api.GetAsync(member, RoomPath(roomId, "/notice"))).Data.GetProperty("text").ValueKind);
    }
}
