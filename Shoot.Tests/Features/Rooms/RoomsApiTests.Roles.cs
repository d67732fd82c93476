using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task A_member_cannot_edit_add_remove_others_set_the_notice_or_change_roles()
    {
        var owner = await UserAsync("Owner");
        var member = await UserAsync("Member");
        var other = await UserAsync("Other");
        var outsider = await UserAsync("Outsider");
        var roomId = await NewGroupAsync(owner, "Club", member, other);

        (await PutAsync(member, RoomPath(roomId), new { title = "Mine now" })).AssertStatus(HttpStatusCode.Forbidden);
        (await PostAsync(member, RoomPath(roomId, "/participants"), new { userIds = new[] { outsider.Id } })).AssertStatus(HttpStatusCode.Forbidden);
        (await DeleteAsync(member, RoomPath(roomId, $"/participants/{other.Id}"))).AssertStatus(HttpStatusCode.Forbidden);
        (await DeleteAsync(member, RoomPath(roomId, $"/participants/{owner.Id}"))).AssertStatus(HttpStatusCode.Forbidden);
        (await PostAsync(member, RoomPath(roomId, "/notice"), new { text = "Hi" })).AssertStatus(HttpStatusCode.Forbidden);
        (await SetRoleAsync(member, roomId, other, "ADMIN")).AssertStatus(HttpStatusCode.Forbidden);

        var room = await GetAsync(member, RoomPath(roomId));
        Assert.Equal("Club", room.Data["title"]!.GetValue<string>());
        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "OWNER", [member.Id] = "MEMBER", [other.Id] = "MEMBER" }, await RolesAsync(owner, roomId));
    }

    [Fact]
    public async Task An_admin_edits_adds_and_removes_members_but_not_the_owner_and_cannot_change_roles()
    {
        var owner = await UserAsync("Owner");
        var admin = await UserAsync("Admin");
        var member = await UserAsync("Member");
        var newcomer = await UserAsync("Newcomer");
        var roomId = await NewGroupAsync(owner, "Club", admin, member);
        (await SetRoleAsync(owner, roomId, admin, "ADMIN")).AssertStatus(HttpStatusCode.OK);

        var update = await PutAsync(admin, RoomPath(roomId), new { title = "Renamed", announcement = "Rules" });
        update.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Renamed", update.Data["title"]!.GetValue<string>());
        Assert.Equal("Rules", update.Data["announcement"]!.GetValue<string>());
        // Absent fields stay; an empty string clears.
        var cleared = await PutAsync(admin, RoomPath(roomId), new { announcement = "" });
        Assert.Equal("Renamed", cleared.Data["title"]!.GetValue<string>());
        AssertNull(cleared.Data, "announcement");

        var added = await PostAsync(admin, RoomPath(roomId, "/participants"), new { userIds = new[] { newcomer.Id, member.Id } });
        added.AssertStatus(HttpStatusCode.OK);
        Assert.Equal([owner.Id, admin.Id, member.Id, newcomer.Id], Items(added).Select(p => p["userId"]!.GetValue<long>()));
        Assert.Equal("MEMBER", Items(added)[3]["role"]!.GetValue<string>());

        (await DeleteAsync(admin, RoomPath(roomId, $"/participants/{member.Id}"))).AssertStatus(HttpStatusCode.OK);
        (await DeleteAsync(admin, RoomPath(roomId, $"/participants/{owner.Id}"))).AssertStatus(HttpStatusCode.Forbidden);
        (await SetRoleAsync(admin, roomId, newcomer, "ADMIN")).AssertStatus(HttpStatusCode.Forbidden);
        (await DeleteAsync(admin, RoomPath(roomId, $"/participants/{member.Id}"))).AssertStatus(HttpStatusCode.NotFound);

        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "OWNER", [admin.Id] = "ADMIN", [newcomer.Id] = "MEMBER" }, await RolesAsync(owner, roomId));
        Assert.Empty(await RoomIdsAsync(member));
        (await GetAsync(member, RoomPath(roomId))).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_owner_hands_ownership_over_and_cannot_change_their_own_role()
    {
        var owner = await UserAsync("Owner");
        var heir = await UserAsync("Heir");
        var roomId = await NewGroupAsync(owner, "Club", heir);

        (await SetRoleAsync(owner, roomId, owner, "MEMBER")).AssertStatus(HttpStatusCode.BadRequest);
        (await SetRoleAsync(owner, roomId, heir, "KING")).AssertStatus(HttpStatusCode.BadRequest);
        (await SetRoleAsync(owner, roomId, heir, "OWNER")).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(new Dictionary<long, string> { [owner.Id] = "ADMIN", [heir.Id] = "OWNER" }, await RolesAsync(owner, roomId));
        (await DeleteAsync(owner, RoomPath(roomId, $"/participants/{heir.Id}"))).AssertStatus(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task When_the_owner_leaves_the_longest_standing_admin_takes_over()
    {
        var owner = await UserAsync("Owner");
        var member = await UserAsync("Member");
        var firstAdmin = await UserAsync("First admin");
        var secondAdmin = await UserAsync("Second admin");
        var roomId = await NewGroupAsync(owner, "Club", member, firstAdmin, secondAdmin);
        // Promotion order does not matter; join order does.
        (await SetRoleAsync(owner, roomId, secondAdmin, "ADMIN")).AssertStatus(HttpStatusCode.OK);
        (await SetRoleAsync(owner, roomId, firstAdmin, "ADMIN")).AssertStatus(HttpStatusCode.OK);

        (await DeleteAsync(owner, RoomPath(roomId))).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(
            new Dictionary<long, string> { [member.Id] = "MEMBER", [firstAdmin.Id] = "OWNER", [secondAdmin.Id] = "ADMIN" },
            await RolesAsync(member, roomId));
    }

    [Fact]
    public async Task When_the_owner_leaves_a_room_without_admins_the_longest_standing_member_takes_over()
    {
        var owner = await UserAsync("Owner");
        var first = await UserAsync("First");
        var second = await UserAsync("Second");
        var late = await UserAsync("Late");
        var roomId = await NewGroupAsync(owner, "Club", first, second);
        (await PostAsync(owner, RoomPath(roomId, "/participants"), new { userIds = new[] { late.Id } })).AssertStatus(HttpStatusCode.OK);
        // The first member left and came back: they now stand shorter than the second.
        (await DeleteAsync(first, RoomPath(roomId, $"/participants/{first.Id}"))).AssertStatus(HttpStatusCode.OK);
        (await PostAsync(owner, RoomPath(roomId, "/participants"), new { userIds = new[] { first.Id } })).AssertStatus(HttpStatusCode.OK);

        (await DeleteAsync(owner, RoomPath(roomId, $"/participants/{owner.Id}"))).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(
            new Dictionary<long, string> { [second.Id] = "OWNER", [late.Id] = "MEMBER", [first.Id] = "MEMBER" },
            await RolesAsync(second, roomId));
    }

    [Fact]
    public async Task The_last_one_out_deletes_the_room_with_its_notice_and_favorites()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var roomId = await NewGroupAsync(alice, "Short-lived", bob);
        (await PostAsync(alice, RoomPath(roomId, "/notice"), new { text = "Soon gone" })).AssertStatus(HttpStatusCode.OK);
        (await PostAsync(alice, RoomPath(roomId, "/favorite"))).AssertStatus(HttpStatusCode.OK);
        (await PostAsync(bob, RoomPath(roomId, "/favorite"))).AssertStatus(HttpStatusCode.OK);

        (await DeleteAsync(alice, RoomPath(roomId))).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(1L, await CountAsync("SELECT COUNT(*) FROM rooms WHERE id = @roomId", roomId));
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM room_favorites WHERE room_id = @roomId AND user_id = " + alice.Id, roomId));
        (await DeleteAsync(bob, RoomPath(roomId))).AssertStatus(HttpStatusCode.OK);

        foreach (var table in new[] { "rooms WHERE id", "room_participants WHERE room_id", "room_notices WHERE room_id", "room_favorites WHERE room_id" })
            Assert.Equal(0L, await CountAsync($"SELECT COUNT(*) FROM {table} = @roomId", roomId));
        (await GetAsync(bob, RoomPath(roomId))).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty(await RoomIdsAsync(bob, "/api/v1/chatrooms/favorites"));
        (await DeleteAsync(bob, RoomPath(roomId))).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Everyone_leaving_at_once_still_deletes_the_room_and_leaves_nothing_behind()
    {
        var owner = await UserAsync("Owner");
        var members = new List<TestUser>();
        for (var i = 0; i < 19; i++)
            members.Add(await UserAsync($"Member {i}"));
        var roomId = await NewGroupAsync(owner, "Stampede", [.. members]);

        var leaving = await Task.WhenAll(members.Prepend(owner).Select(u => DeleteAsync(u, RoomPath(roomId))));

        Assert.All(leaving, r => r.AssertStatus(HttpStatusCode.OK));
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM rooms WHERE id = @roomId", roomId));
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM room_participants WHERE room_id = @roomId", roomId));
    }

    [Fact]
    public async Task When_the_owner_and_others_leave_at_once_exactly_one_owner_remains()
    {
        var owner = await UserAsync("Owner");
        var members = new List<TestUser>();
        for (var i = 0; i < 6; i++)
            members.Add(await UserAsync($"Member {i}"));
        var roomId = await NewGroupAsync(owner, "Hand-over", [.. members]);

        var leaving = await Task.WhenAll(members.Take(3).Prepend(owner).Select(u => DeleteAsync(u, RoomPath(roomId))));

        Assert.All(leaving, r => r.AssertStatus(HttpStatusCode.OK));
        var roles = await RolesAsync(members[5], roomId);
        Assert.Equal(members.Skip(3).Select(m => m.Id), roles.Keys);
        Assert.Equal(["OWNER", "MEMBER", "MEMBER"], roles.Values);
    }

    /// <summary>Reads the app's own database, to see that nothing of a deleted room is left behind.</summary>
    private async Task<long> CountAsync(string sql, long roomId)
    {
        var database = Factory.Services.GetRequiredService<ISqlDatabase>();
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, new { roomId });
    }
}
