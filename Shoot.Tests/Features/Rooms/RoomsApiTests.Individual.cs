using System.Net;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    [Fact]
    public async Task An_individual_room_is_one_per_pair_whoever_asks()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");

        var created = await CreateAsync(alice, "INDIVIDUAL", [bob.Id]);
        var again = await CreateAsync(alice, "INDIVIDUAL", [bob.Id, alice.Id]);
        var fromBob = await CreateAsync(bob, "INDIVIDUAL", [alice.Id]);

        AssertStatus(HttpStatusCode.Created, created);
        AssertStatus(HttpStatusCode.OK, again);
        AssertStatus(HttpStatusCode.OK, fromBob);
        var roomId = created.Data.GetProperty("id").GetInt64();
        Assert.Equal(roomId, again.Data.GetProperty("id").GetInt64());
        Assert.Equal(roomId, fromBob.Data.GetProperty("id").GetInt64());
        Assert.Equal("INDIVIDUAL", created.Data.GetProperty("type").GetString());
        // No title of its own: each side sees the other's nickname.
        Assert.Equal("Bob", created.Data.GetProperty("title").GetString());
        Assert.Equal("Alice", fromBob.Data.GetProperty("title").GetString());
        Assert.Equal(["MEMBER", "MEMBER"], (await RolesAsync(alice, roomId)).Values);
        Assert.Equal([roomId], await RoomIdsAsync(alice));
        Assert.Equal([roomId], await RoomIdsAsync(bob));
    }

    [Fact]
    public async Task Twenty_simultaneous_creations_for_one_pair_from_both_sides_give_one_room()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? CreateAsync(alice, "INDIVIDUAL", [bob.Id])
            : CreateAsync(bob, "INDIVIDUAL", [alice.Id])));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{r.Status}: {r.Body}"));
        Assert.Single(responses, r => r.Status == HttpStatusCode.Created);
        Assert.Single(responses.Select(r => r.Data.GetProperty("id").GetInt64()).Distinct());
        Assert.Single(await RoomIdsAsync(alice));
        Assert.Single(await RoomIdsAsync(bob));
        Assert.Equal(2, (await RolesAsync(alice, responses[0].Data.GetProperty("id").GetInt64())).Count);
    }

    [Fact]
    public async Task An_individual_room_needs_exactly_one_other_user_and_no_title()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");

        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(alice, "INDIVIDUAL", [bob.Id, carol.Id]));
        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(alice, "INDIVIDUAL", [alice.Id]));
        AssertStatus(HttpStatusCode.BadRequest, await CreateAsync(alice, "INDIVIDUAL", [bob.Id], "Private"));
        Assert.Empty(await RoomIdsAsync(alice));
    }

    [Fact]
    public async Task Multiple_opens_one_individual_room_with_each_user_reusing_existing_ones()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");
        var existing = await NewIndividualAsync(bob, alice);

        var response = await Api.PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { bob.Id, carol.Id, alice.Id } });

        AssertStatus(HttpStatusCode.OK, response);
        Assert.Equal(2, response.Items.Count);
        Assert.Equal(existing, response.Items[0].GetProperty("id").GetInt64());
        Assert.Equal("Carol", response.Items[1].GetProperty("title").GetString());
        Assert.All(response.Items, r => Assert.Equal("INDIVIDUAL", r.GetProperty("type").GetString()));
        Assert.Equal(2, (await RoomIdsAsync(alice)).Count);
        Assert.Single(await RoomIdsAsync(carol));
        AssertStatus(HttpStatusCode.BadRequest, await Api.PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { alice.Id } }));
        AssertStatus(HttpStatusCode.BadRequest, await Api.PostAsync(alice, "/api/v1/chatrooms/multiple", new { participantIds = new[] { 999_001L } }));
    }

    [Fact]
    public async Task Leaving_an_individual_room_keeps_it_for_the_other_side_and_asking_again_brings_the_leaver_back()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var roomId = await NewIndividualAsync(alice, bob);

        AssertStatus(HttpStatusCode.OK, await Api.DeleteAsync(alice, RoomPath(roomId)));

        Assert.Empty(await RoomIdsAsync(alice));
        AssertStatus(HttpStatusCode.NotFound, await Api.GetAsync(alice, RoomPath(roomId)));
        Assert.Equal([bob.Id], (await RolesAsync(bob, roomId)).Keys);

        var back = await CreateAsync(alice, "INDIVIDUAL", [bob.Id]);
        AssertStatus(HttpStatusCode.OK, back);
        Assert.Equal(roomId, back.Data.GetProperty("id").GetInt64());
        Assert.Equal([bob.Id, alice.Id], (await RolesAsync(bob, roomId)).Keys);
    }

    [Fact]
    public async Task In_an_individual_room_either_side_sets_announcement_and_notice_but_cannot_add_or_remove()
    {
        var alice = await Api.SignUpAsync("Alice");
        var bob = await Api.SignUpAsync("Bob");
        var carol = await Api.SignUpAsync("Carol");
        var roomId = await NewIndividualAsync(alice, bob);

        var update = await Api.PutAsync(bob, RoomPath(roomId), new { announcement = "Dinner at 7" });
        AssertStatus(HttpStatusCode.OK, update);
        Assert.Equal("Dinner at 7", update.Data.GetProperty("announcement").GetString());
        AssertStatus(HttpStatusCode.BadRequest, await Api.PutAsync(bob, RoomPath(roomId), new { title = "Renamed" }));
        AssertStatus(HttpStatusCode.OK, await Api.PostAsync(bob, RoomPath(roomId, "/notice"), new { text = "Bring cake" }));

        AssertStatus(HttpStatusCode.BadRequest, await Api.PostAsync(alice, RoomPath(roomId, "/participants"), new { userIds = new[] { carol.Id } }));
        AssertStatus(HttpStatusCode.Forbidden, await Api.DeleteAsync(alice, RoomPath(roomId, $"/participants/{bob.Id}")));
        AssertStatus(HttpStatusCode.Forbidden, await SetRoleAsync(alice, roomId, bob, "ADMIN"));
        Assert.Equal(2, (await RolesAsync(alice, roomId)).Count);
    }
}
