using Shoot.Features.Messages;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>An edit's text follows the message text rules (docs/api.md §5, §9); reading pages have their bounds.</summary>
[Trait("Category", "Unit")]
public sealed class EditValidatorTests
{
    [Fact]
    public void An_edit_needs_a_text_within_the_limit()
    {
        var validator = new ChangeMessage.EditValidator(Limits(messageTextMaxLength: 10));
        Assert.Empty(Refused(validator, new ChangeMessage.Edit(1, AnId(), "0123456789")));
        Assert.Equal(["Text"], Refused(validator, new ChangeMessage.Edit(1, AnId(), "")));
        Assert.Equal(["Text"], Refused(validator, new ChangeMessage.Edit(1, AnId(), "01234567890")));
    }

    [Fact]
    public void History_and_thread_pages_take_message_id_cursors_and_limits_of_one_to_a_hundred()
    {
        var history = new MessageHistory.RoomHistoryValidator();
        Assert.Empty(Refused(history, new MessageHistory.GetRoomHistory(1, 5, AnId(), null, null, 100)));
        Assert.Empty(Refused(history, new MessageHistory.GetRoomHistory(1, 5, null, null, 0, null)));
        Assert.Equal(["Before", "After", "AfterSeq", "Limit"], Refused(history, new MessageHistory.GetRoomHistory(1, 5, "b", "a", -1, 101)));
        var thread = new MessageHistory.ThreadValidator();
        Assert.Empty(Refused(thread, new MessageHistory.GetThread(1, AnId(), null, 1)));
        Assert.Equal(["ThreadId", "Limit"], Refused(thread, new MessageHistory.GetThread(1, null, null, 0)));
    }
}
