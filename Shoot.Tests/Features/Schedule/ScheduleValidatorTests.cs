using Microsoft.Extensions.Options;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Scheduling;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>Scheduling rules (docs/api.md §5): a time in the future up to the grace for clock skew, known recurrences.</summary>
[Trait("Category", "Unit")]
public sealed class ScheduleValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);
    private static readonly IOptions<ScheduleOptions> Schedule = Options.Create(new ScheduleOptions { PastGrace = TimeSpan.FromSeconds(5) });
    private static readonly ScheduleMessage.Validator Create = new(Limits(messageTextMaxLength: 10), Schedule, new FixedClock(Now));
    private static readonly ChangeSchedule.Validator Change = new(Limits(messageTextMaxLength: 10), Schedule, new FixedClock(Now));

    [Fact]
    public void A_time_within_the_grace_passes_and_one_before_it_does_not()
    {
        Assert.Empty(Refused(Create, new ScheduleMessage.Command(1, 5, "hi", Now.AddSeconds(-4), null)));
        Assert.Equal(["ScheduledAt"], Refused(Create, new ScheduleMessage.Command(1, 5, "hi", Now.AddSeconds(-6), null)));
        Assert.Equal(["ScheduledAt"], Refused(Create, new ScheduleMessage.Command(1, 5, "hi", null, null)));
    }

    [Fact]
    public void Creating_needs_a_room_a_text_and_an_upper_case_recurrence()
    {
        Assert.Empty(Refused(Create, new ScheduleMessage.Command(1, 5, "0123456789", Now.AddDays(1), "MONTHLY")));
        Assert.Equal(["RoomId", "Text", "Recurrence"], Refused(Create, new ScheduleMessage.Command(1, null, "", Now.AddDays(1), "daily")));
        Assert.Equal(["Text"], Refused(Create, new ScheduleMessage.Command(1, 5, "01234567890", Now.AddDays(1), null)));
    }

    [Fact]
    public void A_change_checks_only_what_it_carries()
    {
        Assert.Empty(Refused(Change, new ChangeSchedule.Update(1, 9, null, null, null)));
        Assert.Equal(["Text", "ScheduledAt", "Recurrence"], Refused(Change, new ChangeSchedule.Update(1, 9, "", Now.AddMinutes(-1), "YEARLY")));
    }
}
