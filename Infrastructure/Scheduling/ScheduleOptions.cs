using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.Scheduling;

/// <summary>Scheduled messages (docs/api.md §5) and the Hangfire server that fires them.</summary>
public sealed class ScheduleOptions
{
    public const string Section = "Shoot:Schedule";

    /// <summary>
    /// How often this instance's Hangfire server looks for due delayed jobs and polls its queue. A scheduled message
    /// goes out at most about this late; shorter costs a small query per interval.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Hangfire workers on this instance: a firing is one short send, so a few suffice.</summary>
    [Range(1, 100)] public int WorkerCount { get; set; } = 2;

    /// <summary>PENDING schedules one user may hold at once; the next create is 409 CONFLICT.</summary>
    [Range(1, 100_000)] public int MaxPendingPerUser { get; set; } = 100;

    /// <summary>How far in the past a new scheduledAt may be (client clock skew); such a schedule fires at once.</summary>
    public TimeSpan PastGrace { get; set; } = TimeSpan.FromSeconds(5);
}
