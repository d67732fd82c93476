namespace Shoot.Features.Messages;

/// <summary>The API's ScheduledMessage (docs/api.md) (§5). <c>scheduledAt</c> is the next (or, once finished, the last) time it is due.</summary>
public sealed record ScheduledMessage(
    long Id, long RoomId, string Text, DateTimeOffset ScheduledAt, string Recurrence, string Status, DateTimeOffset? LastSentAt,
    DateTimeOffset CreatedAt);

/// <summary>When a recurring schedule is due next.</summary>
public static class ScheduleRecurrence
{
    public const string None = "NONE";
    public const string Daily = "DAILY";
    public const string Weekly = "WEEKLY";
    public const string Monthly = "MONTHLY";

    public static readonly string[] Names = [None, Daily, Weekly, Monthly];

    /// <summary>
    /// The <paramref name="occurrence"/>-th time after <paramref name="anchor"/> (occurrence 0 is the anchor itself), in
    /// UTC. Months are counted from the anchor, not from the previous firing: the day of the month is kept where the
    /// month has it and is the month's last day where it has not (the 31st goes to Feb 28/29, Apr 30, then back to the
    /// 31st), so short months never drag a schedule to an earlier day for good.
    /// </summary>
    public static DateTimeOffset At(DateTimeOffset anchor, string recurrence, long occurrence) => recurrence switch
    {
        Daily => anchor.AddDays(occurrence),
        Weekly => anchor.AddDays(7 * occurrence),
        Monthly => anchor.AddMonths(checked((int)occurrence)),
        _ => anchor,
    };

    /// <summary>
    /// The first occurrence after the one that just fired (<paramref name="fired"/>) that is later than
    /// <paramref name="now"/>: occurrences missed while no server ran are skipped, not sent in a burst.
    /// </summary>
    public static (long Occurrence, DateTimeOffset At) Next(DateTimeOffset anchor, string recurrence, long fired, DateTimeOffset now)
    {
        if (recurrence == None)
            throw new ArgumentException("A schedule without recurrence has no next occurrence.", nameof(recurrence));
        var occurrence = fired + 1;
        var at = At(anchor, recurrence, occurrence);
        if (at <= now)
        {
            // Jump close to now first (a schedule down for years needs no loop of thousands), then step.
            var period = recurrence == Monthly ? TimeSpan.FromDays(31) : At(anchor, recurrence, 1) - anchor;
            occurrence = Math.Max(occurrence, (long)((now - anchor) / period));
            at = At(anchor, recurrence, occurrence);
            while (at <= now)
                at = At(anchor, recurrence, ++occurrence);
        }
        return (occurrence, at);
    }
}
