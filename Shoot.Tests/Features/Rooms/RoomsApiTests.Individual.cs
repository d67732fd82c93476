using System.Net;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task An_individual_room_is_one_per_pair_whoever_asks()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");

        var created = await CreateAsync(alice, "INDIVIDUAL", [bob.Id]);
        var again = await CreateAsync(alice, "INDIVIDUAL", [bob.Id, alice.Id]);
        var fromBob = await CreateAsync(bob, "INDIVIDUAL", [alice.Id]);

        created.AssertStatus(HttpStatusCode.Created);
        again.AssertStatus(HttpStatusCode.OK);
        fromBob.AssertStatus(HttpStatusCode.OK);
        var roomId = IdOf(created.Data);
        Assert.Equal(roomId, IdOf(again.Data));
        Assert.Equal(roomId, IdOf(fromBob.Data));
        Assert.Equal("INDIVIDUAL", created.Data["type"]!.GetValue<string>());
        // No title of its own: each side sees the other's nickname.
        Assert.Equal("Bob", created.Data["title"]!.GetValue<string>());
        Assert.Equal("Alice", fromBob.Data["title"]!.GetValue<string>());
        Assert.Equal(["MEMBER", "MEMBER"], (await RolesAsync(alice, roomId)).Values);
        Assert.Equal([roomId], await RoomIdsAsync(alice));
        Assert.Equal([roomId], await RoomIdsAsync(bob));
    }

    [Fact]
    public async Task Twenty_simultaneous_creations_for_one_pair_from_both_sides_give_one_room()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? CreateAsync(alice, "INDIVIDUAL", [bob.Id])
            : CreateAsync(bob, "INDIVIDUAL", [alice.Id])));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{r.RawJson}"));
        Assert.Single(responses, r => r.Status == HttpStatusCode.Created);
        Assert.Single(responses.Select(r => IdOf(r.Data)).Distinct());
        Assert.Single(await RoomIdsAsync(alice));
        Assert.Single(await RoomIdsAsync(bob));
        Assert.Equal(2, (await RolesAsync(alice, IdOf(responses[0].Data))).Count);
    }

    [Fact]
    public async Task An_individual_room_needs_exactly_one_other_user_and_no_title()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");

        (await CreateAsync(alice, "INDIVIDUAL", [bob.Id, carol.Id])).AssertStatus(HttpStatusCode.BadRequest);
        (await CreateAsync(alice, "INDIVIDUAL", [alice.Id])).AssertStatus(HttpStatusCode.BadRequest);
        (await CreateAsync(alice, "INDIVIDUAL", [bob.Id], "Private")).AssertStatus(HttpStatusCode.BadRequest);
        Assert.Empty(await RoomIdsAsync(alice));
    }

    [Fact]
    public async Task Multiple_opens_one_individual_room_with_each_user_reusing_existing_ones()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");
        var existing = await NewIndividualAsync(bob, alice);

        var response = await PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { bob.Id, carol.Id, alice.Id } });

        response.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, Items(response).Count);
        Assert.Equal(existing, Items(response)[0]["id"]!.GetValue<long>());
        Assert.Equal("Carol", Items(response)[1]["title"]!.GetValue<string>());
        Assert.All(Items(response), r => Assert.Equal("INDIVIDUAL", r["type"]!.GetValue<string>()));
        Assert.Equal(2, (await RoomIdsAsync(alice)).Count);
        Assert.Single(await RoomIdsAsync(carol));
        (await PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { alice.Id } })).AssertStatus(HttpStatusCode.BadRequest);
        (await PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { 999_001L } })).AssertStatus(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Leaving_an_individual_room_keeps_it_for_the_other_side_and_asking_again_brings_the_leaver_back()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var roomId = await NewIndividualAsync(alice, bob);

        (await DeleteAsync(alice, RoomPath(roomId))).AssertStatus(HttpStatusCode.OK);

        Assert.Empty(await RoomIdsAsync(alice));
        (await GetAsync(alice, RoomPath(roomId))).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal([bob.Id], (await RolesAsync(bob, roomId)).Keys);
        // Bob still sees whom the room was with, in the room and in his list.
        var left = (await GetAsync(bob, RoomPath(roomId))).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal("Alice", left["title"]!.GetValue<string>());
        var listed = (await GetAsync(bob, "/api/v1/chatrooms")).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.Equal("Alice", listed.Single(r => r!["id"]!.GetValue<long>() == roomId)!["title"]!.GetValue<string>());

        var back = await CreateAsync(alice, "INDIVIDUAL", [bob.Id]);
        back.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(roomId, IdOf(back.Data));
        Assert.Equal([bob.Id, alice.Id], (await RolesAsync(bob, roomId)).Keys);
    }

    [Fact]
    public async Task In_an_individual_room_either_side_sets_announcement_and_notice_but_cannot_add_or_remove()
    {
        var alice = await UserAsync("Alice");
        var bob = await UserAsync("Bob");
        var carol = await UserAsync("Carol");
        var roomId = await NewIndividualAsync(alice, bob);

        var update = await PutAsync(bob, RoomPath(roomId), new { announcement = "Dinner at 7" });
        update.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Dinner at 7", update.Data["announcement"]!.GetValue<string>());
        (await PutAsync(bob, RoomPath(roomId), new { title = "Renamed" })).AssertStatus(HttpStatusCode.BadRequest);
        (await PostAsync(bob, RoomPath(roomId, "/notice"), new { text = "Bring cake" })).AssertStatus(HttpStatusCode.OK);

        (await PostAsync(alice, RoomPath(roomId, "/participants"), new { userIds = new[] { carol.Id } })).AssertStatus(HttpStatusCode.BadRequest);
        (await DeleteAsync(alice, RoomPath(roomId, $"/participants/{bob.Id}"))).AssertStatus(HttpStatusCode.Forbidden);
        (await SetRoleAsync(alice, roomId, bob, "ADMIN")).AssertStatus(HttpStatusCode.Forbidden);
        Assert.Equal(2, (await RolesAsync(alice, roomId)).Count);
    }
}
