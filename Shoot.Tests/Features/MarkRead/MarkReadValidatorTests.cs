using Shoot.Features.Messages;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>Mark-read's body, the same for REST and <c>/app/read</c> (docs/api.md §5).</summary>
[Trait("Category", "Unit")]
public sealed class MarkReadValidatorTests
{
    [Fact]
    public void A_room_is_required_and_a_message_is_optional_but_well_formed()
    {
        var validator = new MarkRead.Validator();
        Assert.Empty(Refused(validator, new MarkRead.Command(1, 5, null)));
        Assert.Empty(Refused(validator, new MarkRead.Command(1, 5, AnId())));
        Assert.Equal(["RoomId"], Refused(validator, new MarkRead.Command(1, null, null)));
        Assert.Equal(["RoomId"], Refused(validator, new MarkRead.Command(1, -3, null)));
        Assert.Equal(["MessageId"], Refused(validator, new MarkRead.Command(1, 5, "zz")));
    }
}
