using System.Net;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task A_non_participant_gets_the_same_404_on_every_room_endpoint_as_for_a_room_that_does_not_exist()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var stranger = await UserAsync("Stranger");
        var roomId = await NewGroupAsync(alice, "Secret", bob);
        const long missingId = 987_654_321;

        foreach (var id in new[] { roomId, missingId })
        {
            var calls = new (string What, Func<Task<ApiResponse>> Call)[]
            {
                ("GET room", () => GetAsync(stranger, RoomPath(id))),
                ("PUT room", () => PutAsync(stranger, RoomPath(id), new { title = "Mine" })),
                ("DELETE room", () => DeleteAsync(stranger, RoomPath(id))),
                ("GET participants", () => GetAsync(stranger, RoomPath(id, "/participants"))),
                ("POST participants", () => PostAsync(stranger, RoomPath(id, "/participants"), new { userIds = new[] { stranger.Id } })),
                ("DELETE own participant", () => DeleteAsync(stranger, RoomPath(id, $"/participants/{stranger.Id}"))),
                ("DELETE other participant", () => DeleteAsync(stranger, RoomPath(id, $"/participants/{bob.Id}"))),
                ("PUT role", () => SetRoleAsync(stranger, id, bob, "ADMIN")),
                ("GET notice", () => GetAsync(stranger, RoomPath(id, "/notice"))),
                ("POST notice", () => PostAsync(stranger, RoomPath(id, "/notice"), new { text = "Hello" })),
                ("POST favorite", () => PostAsync(stranger, RoomPath(id, "/favorite"))),
                ("DELETE favorite", () => DeleteAsync(stranger, RoomPath(id, "/favorite"))),
            };
            foreach (var (what, call) in calls)
            {
                var response = await call();
                Assert.True(response.Status == HttpStatusCode.NotFound, $"{what} on room {id}: {response.RawJson}");
                Assert.Equal("NOT_FOUND", response.ErrorCode);
                Assert.Equal("The room was not found.", response.Body["message"]!.GetValue<string>());
            }
        }

        // Nothing changed, and the room shows up in none of the stranger's lists.
        Assert.Equal([alice.Id, bob.Id], (await RolesAsync(alice, roomId)).Keys);
        Assert.Equal("Secret", (await GetAsync(alice, RoomPath(roomId))).Data["title"]!.GetValue<string>());
        AssertNull((await GetAsync(alice, RoomPath(roomId, "/notice"))).Data, "text");
        Assert.Empty(await RoomIdsAsync(stranger));
        Assert.Empty(await RoomIdsAsync(stranger, "/api/v1/chatrooms/favorites"));
        Assert.Empty(await RoomIdsAsync(stranger, "/api/v1/chatrooms/search?q=Secret"));
    }

    [Fact]
    public async Task Favorites_are_per_user_idempotent_and_listed()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");
        var liked = await NewGroupAsync(alice, "Liked", bob);
        var plain = await NewIndividualAsync(alice, carol);

        (await PostAsync(alice, RoomPath(liked, "/favorite"))).AssertStatus(HttpStatusCode.OK);
        var twice = await PostAsync(alice, RoomPath(liked, "/favorite"));
        twice.AssertStatus(HttpStatusCode.OK);
        Assert.Empty(twice.Data.AsObject());

        var favorites = await GetAsync(alice, "/api/v1/chatrooms/favorites");
        var favorite = Assert.Single(Items(favorites));
        Assert.Equal(liked, favorite["id"]!.GetValue<long>());
        Assert.True(favorite["favorite"]!.GetValue<bool>());
        var all = Items(await GetAsync(alice, "/api/v1/chatrooms")).ToDictionary(r => r["id"]!.GetValue<long>(), r => r["favorite"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<long, bool> { [plain] = false, [liked] = true }, all);
        // Bob is in the room too, but the mark is Alice's.
        Assert.Empty(await RoomIdsAsync(bob, "/api/v1/chatrooms/favorites"));

        (await DeleteAsync(alice, RoomPath(liked, "/favorite"))).AssertStatus(HttpStatusCode.OK);
        (await DeleteAsync(alice, RoomPath(liked, "/favorite"))).AssertStatus(HttpStatusCode.OK);
        Assert.Empty(await RoomIdsAsync(alice, "/api/v1/chatrooms/favorites"));
    }

    [Fact]
    public async Task Search_finds_the_callers_rooms_by_title_or_participant_nickname_and_nothing_else()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bobby Tables");
        var carol = await UserAsync("Carol");
        var dave = await UserAsync("Dave");
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

        (await GetAsync(alice, "/api/v1/chatrooms/search")).AssertStatus(HttpStatusCode.BadRequest);
        (await GetAsync(alice, "/api/v1/chatrooms/search?q=" + new string('x', 51))).AssertStatus(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_notice_holds_up_to_500_characters_and_says_who_set_it()
    {
        var owner = await UserAsync("Owner");
        var admin = await UserAsync("Admin");
        var member = await UserAsync("Member");
        var roomId = await NewGroupAsync(owner, "Club", admin, member);
        (await SetRoleAsync(owner, roomId, admin, "ADMIN")).AssertStatus(HttpStatusCode.OK);

        var empty = await GetAsync(member, RoomPath(roomId, "/notice"));
        empty.AssertStatus(HttpStatusCode.OK);
        AssertNull(empty.Data, "updatedBy");

        var tooLong = await PostAsync(admin, RoomPath(roomId, "/notice"), new { text = new string('n', 501) });
        tooLong.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(tooLong.Body["errors"]!["text"]);
        (await PostAsync(admin, RoomPath(roomId, "/notice"), new { })).AssertStatus(HttpStatusCode.BadRequest);

        var text = new string('n', 500);
        (await PostAsync(admin, RoomPath(roomId, "/notice"), new { text })).AssertStatus(HttpStatusCode.OK);
        var notice = await GetAsync(member, RoomPath(roomId, "/notice"));
        Assert.Equal(text, notice.Data["text"]!.GetValue<string>());
        Assert.Equal(admin.Id, notice.Data["updatedBy"]!.GetValue<long>());
        Assert.Matches(@"Z$", notice.Data["updatedAt"]!.GetValue<string>());

        (await PostAsync(owner, RoomPath(roomId, "/notice"), new { text = "Updated" })).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(owner.Id, (await GetAsync(member, RoomPath(roomId, "/notice"))).Data["updatedBy"]!.GetValue<long>());
        (await PostAsync(owner, RoomPath(roomId, "/notice"), new { text = "" })).AssertStatus(HttpStatusCode.OK);
        AssertNull((await GetAsync(member, RoomPath(roomId, "/notice"))).Data, "text");
    }
}
