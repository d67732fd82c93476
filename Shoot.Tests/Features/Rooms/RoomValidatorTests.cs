using Shoot.Features.Rooms;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Rooms;

/// <summary>The field rules of the room slices (docs/api.md §4), without a host.</summary>
[Trait("Category", "Unit")]
public sealed class RoomValidatorTests
{
    private const long Caller = 1;

    [Fact]
    public void An_individual_room_is_with_exactly_one_other_user_and_has_no_title()
    {
        var validator = new CreateRoom.Validator();
        Assert.Empty(Refused(validator, new CreateRoom.Command(Caller, "INDIVIDUAL", [2], null)));
        // The caller's own id and duplicates do not count.
        Assert.Empty(Refused(validator, new CreateRoom.Command(Caller, "INDIVIDUAL", [Caller, 2, 2], null)));
        Assert.Equal(["ParticipantIds"], Refused(validator, new CreateRoom.Command(Caller, "INDIVIDUAL", [2, 3], null)));
        Assert.Equal(["Title"], Refused(validator, new CreateRoom.Command(Caller, "INDIVIDUAL", [2], "Us")));
    }

    [Fact]
    public void A_group_holds_two_to_a_hundred_with_the_creator()
    {
        var validator = new CreateRoom.Validator();
        var others = Enumerable.Range(2, 99).Select(i => (long)i).ToList();
        Assert.Empty(Refused(validator, new CreateRoom.Command(Caller, "GROUP", others, "Team")));
        Assert.Equal(["ParticipantIds"], Refused(validator, new CreateRoom.Command(Caller, "GROUP", [.. others, 101], "Team")));
        Assert.Equal(["ParticipantIds"], Refused(validator, new CreateRoom.Command(Caller, "GROUP", [Caller], "Team")));
        Assert.Equal(["Title"], Refused(validator, new CreateRoom.Command(Caller, "GROUP", [2], new string('t', 101))));
    }

    [Theory]
    [InlineData("group")]
    [InlineData("CHANNEL")]
    [InlineData(null)]
    public void An_unknown_type_is_refused(string? type) =>
        Assert.Contains("Type", Refused(new CreateRoom.Validator(), new CreateRoom.Command(Caller, type, [2], null)));

    [Fact]
    public void User_id_lists_are_positive_and_name_someone_else()
    {
        Assert.Equal(["ParticipantIds"], Refused(new CreateRoom.MultipleValidator(), new CreateRoom.Multiple(Caller, [Caller])));
        Assert.Equal(["ParticipantIds"], Refused(new CreateRoom.MultipleValidator(), new CreateRoom.Multiple(Caller, [0])));
        Assert.Equal(["UserIds"], Refused(new Participants.AddValidator(), new Participants.Add(Caller, 5, [])));
        Assert.Empty(Refused(new Participants.AddValidator(), new Participants.Add(Caller, 5, [2, 3])));
    }

    [Fact]
    public void Roles_texts_and_searches_have_their_bounds()
    {
        Assert.Empty(Refused(new Participants.SetRoleValidator(), new Participants.SetRole(Caller, 5, 2, "ADMIN")));
        Assert.Equal(["Role"], Refused(new Participants.SetRoleValidator(), new Participants.SetRole(Caller, 5, 2, "admin")));
        Assert.Equal(["UserId"], Refused(new Participants.SetRoleValidator(), new Participants.SetRole(Caller, 5, Caller, "MEMBER")));
        Assert.Empty(Refused(new Notice.SetValidator(), new Notice.Set(Caller, 5, "")));
        Assert.Equal(["Text"], Refused(new Notice.SetValidator(), new Notice.Set(Caller, 5, new string('n', 501))));
        Assert.Equal(["Announcement"], Refused(new RoomDetails.UpdateValidator(), new RoomDetails.Update(Caller, 5, null, new string('a', 1001))));
        Assert.Equal(["Q"], Refused(new ListRooms.SearchValidator(), new ListRooms.Search(Caller, " ")));
    }
}
