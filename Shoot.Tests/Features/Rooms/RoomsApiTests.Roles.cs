using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task A_member_cannot_edit_add_remove_others_set_the_notice_or_change_roles()
    {
        var owner = await Api.SignUpAsync("Owner");
        var member = await Api.SignUpAsync("Member");
        var other = await Api.SignUpAsync("Other");
        var outsider = await Api.SignUpAsync("Outsider");
        var roomId = await NewGroupAsync(owner, "Club", member, other);

        AssertStatus(HttpStatusCode.Forbidden, await Api.PutAsync(member, RoomPath(roomId), new { title = "Mine now" }));
        AssertStatus(HttpStatusCode.Forbidden, await Api.PostAsync(member, RoomPath(roomId, "/participants"), new { userIds = new[] { outsider.Id } }));
        AssertStatus(HttpStatusCode.Forbidden, await Api.DeleteAsync(member, RoomPath(roomId, $"/participants/{other.Id}")));
        AssertStatus(HttpStatusCode.Forbidden, await Api.DeleteAsync(member, RoomPath(roomId, $"/participants/{owner.Id}")));
        AssertStatus(HttpStatusCode.Forbidden, await Api.PostAsync(member, RoomPath(roomId, "/notice"), new { text = "Hi" }));
        AssertStatus(HttpStatusCode.Forbidden, await SetRoleAsync(member, roomId, other, "ADMIN"));

        var room = await Api.GetAsync(member, RoomPath(roomId));
        Assert.Equal("Club", room.Data.GetProperty("title").GetString());
        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "OWNER", [member.Id] = "MEMBER", [other.Id] = "MEMBER" }, await RolesAsync(owner, roomId));
    }

    [Fact]
    public async Task An_admin_edits_adds_and_removes_members_but_not_the_owner_and_cannot_change_roles()
    {
        var owner = await Api.SignUpAsync("Owner");
        var admin = await Api.SignUpAsync("Admin");
        var member = await Api.SignUpAsync("Member");
        var newcomer = await Api.SignUpAsync("Newcomer");
        var roomId = await NewGroupAsync(owner, "Club", admin, member);
        AssertStatus(HttpStatusCode.OK, await SetRoleAsync(owner, roomId, admin, "ADMIN"));

        var update = await Api.PutAsync(admin, RoomPath(roomId), new { title = "Renamed", announcement = "Rules" });
        AssertStatus(HttpStatusCode.OK, update);
        Assert.Equal("Renamed", update.Data.GetProperty("title").GetString());
        Assert.Equal("Rules", update.Data.GetProperty("announcement").GetString());
        // Absent fields stay; an empty string clears.
        var cleared = await Api.PutAsync(admin, RoomPath(roomId), new { announcement = "" });
        Assert.Equal("Renamed", cleared.Data.GetProperty("title").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.Data.GetProperty("announcement").ValueKind);

        var added = await Api.PostAsync(admin, RoomPath(roomId, "/participants"), new { userIds = new[] { newcomer.Id, member.Id } });
        AssertStatus(HttpStatusCode.OK, added);
        Assert.Equal([owner.Id, admin.Id, member.Id, newcomer.Id], added.Items.Select(p => p.GetProperty("userId").GetInt64()));
        Assert.Equal("MEMBER", added.Items[3].GetProperty("role").GetString());

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(admin, RoomPath(roomId, $"/participants/{member.Id}")));
        AssertStatus(HttpStatusCode.Forbidden, await Api.DeleteAsync(admin, RoomPath(roomId, $"/participants/{owner.Id}")));
        AssertStatus(HttpStatusCode.Forbidden, await SetRoleAsync(admin, roomId, newcomer, "ADMIN"));
        AssertStatus(HttpStatusCode.NotFound, await Api.DeleteAsync(admin, RoomPath(roomId, $"/participants/{member.Id}")));

        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "OWNER", [admin.Id] = "ADMIN", [newcomer.Id] = "MEMBER" }, await RolesAsync(owner, roomId));
        Assert.Empty(await RoomIdsAsync(member));
        AssertStatus(HttpStatusCode.NotFound, await Api.GetAsync(member, RoomPath(roomId)));
    }

    [Fact]
    public async Task The_owner_hands_ownership_over_and_cannot_change_their_own_role()
    {
        var owner = await Api.SignUpAsync("Owner");
        var heir = await Api.SignUpAsync("Heir");
        var roomId = await NewGroupAsync(owner, "Club", heir);

        AssertStatus(HttpStatusCode.BadRequest, await SetRoleAsync(owner, roomId, owner, "MEMBER"));
        AssertStatus(HttpStatusCode.BadRequest, await SetRoleAsync(owner, roomId, heir, "KING"));
        AssertStatus(HttpStatusCode.OK, await SetRoleAsync(owner, roomId, heir, "OWNER"));

        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "ADMIN", [heir.Id] = "OWNER" }, await RolesAsync(owner, roomId));
        AssertStatus(HttpStatusCode.Forbidden, await Api.DeleteAsync(owner, RoomPath(roomId, $"/participants/{heir.Id}")));
    }

    [Fact]
    public async Task When_the_owner_leaves_the_longest_standing_admin_takes_over()
    {
        var owner = await Api.SignUpAsync("Owner");
        var member = await Api.SignUpAsync("Member");
        var firstAdmin = await Api.SignUpAsync("First admin");
        var secondAdmin = await Api.SignUpAsync("Second admin");
        var roomId = await NewGroupAsync(owner, "Club", member, firstAdmin, secondAdmin);
        // Promotion order does not matter; join order does.
        AssertStatus(HttpStatusCode.OK, await SetRoleAsync(owner, roomId, secondAdmin, "ADMIN"));
        AssertStatus(HttpStatusCode.OK, await SetRoleAsync(owner, roomId, firstAdmin, "ADMIN"));

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(owner, RoomPath(roomId)));

        Assert.Equal(
            new Dictionary<long, string> { [member.Id] = "MEMBER", [firstAdmin.Id] = "OWNER", [secondAdmin.Id] = "ADMIN" },
            await RolesAsync(member, roomId));
    }

    [Fact]
    public async Task When_the_owner_leaves_a_room_without_admins_the_longest_standing_member_takes_over()
    {
        var owner = await Api.SignUpAsync("Owner");
        var first = await Api.SignUpAsync("First");
        var second = await Api.SignUpAsync("Second");
        var late = await Api.SignUpAsync("Late");
        var roomId = await NewGroupAsync(owner, "Club", first, second);
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(owner, RoomPath(roomId, "/participants"), new { userIds = new[] { late.Id } }));
        // The first member left and came back: they now stand shorter than the second.
        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(first, RoomPath(roomId, $"/participants/{first.Id}")));
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(owner, RoomPath(roomId, "/participants"), new { userIds = new[] { first.Id } }));

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(owner, RoomPath(roomId, $"/participants/{owner.Id}")));

        Assert.Equal(
            new Dictionary<long, string> { [second.Id] = "OWNER", [late.Id] = "MEMBER", [first.Id] = "MEMBER" },
            await RolesAsync(second, roomId));
    }

    [Fact]
    public async Task The_last_one_out_deletes_the_room_with_its_notice_and_favorites()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var roomId = await NewGroupAsync(alice, "Short-lived", bob);
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(alice, RoomPath(roomId, "/notice"), new { text = "Soon gone" }));
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(alice, RoomPath(roomId, "/favorite")));
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(bob, RoomPath(roomId, "/favorite")));

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(alice, RoomPath(roomId)));
        Assert.Equal(1L, await CountAsync("SELECT COUNT(*) FROM rooms WHERE id = @roomId", roomId));
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM room_favorites WHERE room_id = @roomId AND user_id = " + alice.Id, roomId));
        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(bob, RoomPath(roomId)));

        foreach (var table in new[] { "rooms WHERE id", "room_participants WHERE room_id", "room_notices WHERE room_id", "room_favorites WHERE room_id" })
            Assert.Equal(0L, await CountAsync($"SELECT COUNT(*) FROM {table} = @roomId", roomId));
        AssertStatus(HttpStatusCode.NotFound, await Api.GetAsync(bob, RoomPath(roomId)));
        Assert.Empty(await RoomIdsAsync(bob, "/api/v1/chatrooms/favorites"));
        AssertStatus(HttpStatusCode.NotFound, await Api.DeleteAsync(bob, RoomPath(roomId)));
    }

    /// <summary>Reads the app's own database, to see that nothing of a deleted room is left behind.</summary>
    private async Task<long> CountAsync(string sql, long roomId)
    {
        var database = Api.Services.GetRequiredService<ISqlDatabase>();
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, new { roomId });
    }
}
