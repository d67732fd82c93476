using Shoot.Features.Messages;

namespace Shoot.Tests.Features.Messages;

/// <summary>The next-occurrence arithmetic of recurring schedules (a day or a month cannot be waited for end to end).</summary>
[Trait("Category", "Unit")]
public sealed class ScheduleRecurrenceTests
{
    private static readonly DateTimeOffset Anchor = new(2026, 1, 31, 9, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("DAILY", "2026-02-01T09:30:00Z")]
    [InlineData("WEEKLY", "2026-02-07T09:30:00Z")]
    [InlineData("MONTHLY", "2026-02-28T09:30:00Z")]
    public void The_next_occurrence_is_a_day_a_week_or_a_calendar_month_later(string recurrence, string expected)
    {
        var (occurrence, at) = ScheduleRecurrence.Next(Anchor, recurrence, 0, Anchor);

        Assert.Equal(1, occurrence);
        Assert.Equal(DateTimeOffset.Parse(expected), at);
    }

    [Fact]
    public void Months_are_counted_from_the_anchor_so_a_short_month_does_not_move_the_day_for_good()
    {
        var times = Enumerable.Range(1, 4).Select(n => ScheduleRecurrence.At(Anchor, "MONTHLY", n)).ToList();

        Assert.Equal(
            [new(2026, 2, 28, 9, 30, 0, TimeSpan.Zero), new(2026, 3, 31, 9, 30, 0, TimeSpan.Zero), new(2026, 4, 30, 9, 30, 0, TimeSpan.Zero),
             new DateTimeOffset(2026, 5, 31, 9, 30, 0, TimeSpan.Zero)],
            times);
        Assert.Equal(new DateTimeOffset(2028, 2, 29, 9, 30, 0, TimeSpan.Zero), ScheduleRecurrence.At(Anchor, "MONTHLY", 25));
    }

    [Fact]
    public void A_monthly_series_continues_from_where_it_fired()
    {
        // Fired for the 2nd time (Mar 31): next is Apr 30, occurrence 3.
        var (occurrence, at) = ScheduleRecurrence.Next(Anchor, "MONTHLY", 2, new DateTimeOffset(2026, 3, 31, 9, 30, 1, TimeSpan.Zero));

        Assert.Equal(3, occurrence);
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 9, 30, 0, TimeSpan.Zero), at);
    }

    [Theory]
    [InlineData("DAILY", "2026-03-10T12:00:00Z", "2026-03-11T09:30:00Z")]
    [InlineData("WEEKLY", "2026-03-10T12:00:00Z", "2026-03-14T09:30:00Z")]
    [InlineData("MONTHLY", "2027-07-15T00:00:00Z", "2027-07-31T09:30:00Z")]
    [InlineData("DAILY", "2036-01-31T09:30:00Z", "2036-02-01T09:30:00Z")]
    public void Occurrences_missed_while_no_server_ran_are_skipped(string recurrence, string now, string expected)
    {
        var (occurrence, at) = ScheduleRecurrence.Next(Anchor, recurrence, 0, DateTimeOffset.Parse(now));

        Assert.Equal(DateTimeOffset.Parse(expected), at);
        Assert.True(at > DateTimeOffset.Parse(now));
        Assert.Equal(at, ScheduleRecurrence.At(Anchor, recurrence, occurrence));
        Assert.True(ScheduleRecurrence.At(Anchor, recurrence, occurrence - 1) <= DateTimeOffset.Parse(now));
    }

    [Fact]
    public void A_one_off_schedule_has_no_next_occurrence() =>
        Assert.Throws<ArgumentException>(() => ScheduleRecurrence.Next(Anchor, "NONE", 0, Anchor));
}
