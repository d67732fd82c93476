using Shoot.Features.Messages;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>The body of <c>POST /api/v1/messages/forward</c> (docs/api.md §5), without a host.</summary>
[Trait("Category", "Unit")]
public sealed class ForwardValidatorTests
{
    private static readonly ForwardMessage.Validator Validator = new(Limits(messageTextMaxLength: 10));

    [Fact]
    public void One_to_ten_distinct_rooms_and_a_comment_within_the_text_limit()
    {
        Assert.Empty(Refused(Validator, new ForwardMessage.Command(1, AnId(), [2, 3], "0123456789")));
        Assert.Empty(Refused(Validator, new ForwardMessage.Command(1, AnId(), [.. Enumerable.Range(1, 10).Select(i => (long)i)], null)));
        Assert.Equal(["AdditionalContent"], Refused(Validator, new ForwardMessage.Command(1, AnId(), [2], "01234567890")));
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 2, 2 })]
    [InlineData(new long[] { 0 })]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 })]
    public void A_bad_room_list_is_refused(long[] rooms) =>
        Assert.Equal(["TargetRoomIds"], Refused(Validator, new ForwardMessage.Command(1, AnId(), rooms, null)));

    [Fact]
    public void The_message_id_is_required_and_well_formed()
    {
        Assert.Equal(["MessageId"], Refused(Validator, new ForwardMessage.Command(1, null, [2], null)));
        Assert.Equal(["MessageId"], Refused(Validator, new ForwardMessage.Command(1, "123", [2], null)));
        Assert.Equal(["TargetRoomIds"], Refused(Validator, new ForwardMessage.Command(1, AnId(), null, null)));
    }
}
