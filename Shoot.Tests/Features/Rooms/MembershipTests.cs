using Shoot.Features.Rooms;
using Shoot.Infrastructure.Web;

namespace Shoot.Tests.Features.Rooms;

/// <summary>Who may moderate a room: the rule the room slices and, later, pins share.</summary>
[Trait("Category", "Unit")]
public sealed class MembershipTests
{
    [Theory]
    [InlineData(RoomType.Group, ParticipantRole.Owner, true)]
    [InlineData(RoomType.Group, ParticipantRole.Admin, true)]
    [InlineData(RoomType.Group, ParticipantRole.Member, false)]
    [InlineData(RoomType.Individual, ParticipantRole.Member, true)]
    public void Group_owners_and_admins_moderate_and_both_sides_of_an_individual_room_do(RoomType type, ParticipantRole role, bool expected)
    {
        var membership = new Membership(7, type, role);

        Assert.Equal(expected, membership.CanModerate);
        if (expected)
            Assert.Same(membership, membership.EnsureCanModerate("pin"));
        else
            Assert.Equal(ErrorCode.Forbidden, Assert.Throws<ShootException>(() => membership.EnsureCanModerate("pin")).Code);
    }
}
