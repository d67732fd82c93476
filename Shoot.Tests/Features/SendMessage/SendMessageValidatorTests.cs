using Shoot.Features.Messages;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>What <c>/app/chat</c> accepts (docs/api.md §6), checked by the same validator for STOMP and forwarding.</summary>
[Trait("Category", "Unit")]
public sealed class SendMessageValidatorTests
{
    private static readonly SendMessage.Validator Validator = new(Limits(messageTextMaxLength: 10));

    private static SendMessage.Command Valid => new(1, "t-1", 5, new SendMessage.ContentBody("hello", null), null, null);

    [Fact]
    public void A_valid_send_passes_with_or_without_a_type_thread_and_reply()
    {
        Assert.Empty(Refused(Validator, Valid));
        Assert.Empty(Refused(Validator, Valid with { Content = new("0123456789", "EMOTICON"), ThreadId = AnId(), ReplyToMessageId = AnId() }));
    }

    [Fact]
    public void Each_bad_field_is_refused_by_name()
    {
        Assert.Equal(["RoomId"], Refused(Validator, Valid with { RoomId = null }));
        Assert.Equal(["RoomId"], Refused(Validator, Valid with { RoomId = 0 }));
        Assert.Equal(["TempId"], Refused(Validator, Valid with { TempId = new string('t', 101) }));
        Assert.Equal(["Content"], Refused(Validator, Valid with { Content = null }));
        Assert.Equal(["Content.Text"], Refused(Validator, Valid with { Content = new("", null) }));
        Assert.Equal(["Content.Text"], Refused(Validator, Valid with { Content = new("01234567890", null) }));
        Assert.Equal(["Content.Type"], Refused(Validator, Valid with { Content = new("hi", "text") }));
        Assert.Equal(["ThreadId"], Refused(Validator, Valid with { ThreadId = "not-an-id" }));
        Assert.Equal(["ReplyToMessageId"], Refused(Validator, Valid with { ReplyToMessageId = AnId().ToUpperInvariant() }));
    }
}
