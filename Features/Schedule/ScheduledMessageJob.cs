using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Shoot.Features.Rooms;

namespace Shoot.Features.Messages;

/// <summary>
/// Fires a scheduled message: a Hangfire job that carries only the schedule id and the version of the row it was
/// scheduled for. Hangfire runs a job at least once, on any instance, so firing is idempotent: the send's tempId is
/// derived from (id, version), so the sequencer's tempId dedupe makes a repeated send a no-op, and the row only moves
/// on with a conditional update on that version. A job whose version is no longer the row's (the schedule was updated,
/// cancelled or has fired) does nothing.
/// </summary>
public sealed partial class ScheduledMessageJob(
    ScheduleStore store, RoomMembership membership, ISender sender, ScheduleJobs jobs, TimeProvider clock, ILogger<ScheduledMessageJob> logger,
    Infrastructure.Observability.ShootMetrics metrics)
{
    /// <summary>Retries of a firing that failed for a passing reason (rate limited, a backend down) before the schedule is FAILED.</summary>
    public const int Retries = 3;

    /// <summary>The tempId of one firing: the same for every run of the same job.</summary>
    public static string TempId(long scheduleId, long version) => $"schedule:{scheduleId}:{version}";

    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = [5, 30, 120], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task FireAsync(long scheduleId, long version, PerformContext? context)
    {
        var ct = context?.CancellationToken.ShutdownToken ?? CancellationToken.None;
        var row = await store.FindAsync(scheduleId, ct);
        if (row is null || row.Status != "PENDING" || row.Version != version)
            return;
        var now = clock.GetUtcNow();
        if (row.TextUnreadable)
        {
            // Encrypted under a key no longer configured: sending the placeholder would be a message nobody wrote.
            await FailAsync(row, "its text cannot be decrypted with the configured Shoot:Encryption keys", now, ct);
            return;
        }
        // Re-checked now, not when it was scheduled: someone who has left the room (or whose room is gone) sends nothing.
        if (!await membership.IsParticipantAsync(row.RoomId, row.UserId, ct))
        {
            await FailAsync(row, "the sender is no longer a participant of the room", now, ct);
            return;
        }

        SendMessage.Sent sent;
        try
        {
            sent = await sender.Send(new SendMessage.Command(row.UserId, TempId(row.Id, version), row.RoomId,
                new SendMessage.ContentBody(row.Text, "TEXT"), null, null), ct);
        }
        catch (ShootException e) when (e.Code is ErrorCode.NotFound or ErrorCode.ValidationFailed)
        {
            // Left between the check and the send, or the text no longer passes (a lowered limit): retrying cannot help.
            await FailAsync(row, e.Message, now, ct);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException && IsLastAttempt(context))
        {
            await FailAsync(row, e.Message, now, ct);
            return;
        }
        metrics.ScheduledMessageFired(sent.Record.Status == "FAILED" ? "failed" : "sent");
        if (sent.Record.Status == "FAILED")
        {
            // A repeat of an earlier attempt whose message ended FAILED (never storable): so does the schedule.
            await FailAsync(row, "the message could not be stored", now, ct);
            return;
        }
        await AdvanceAsync(row, now, ct);
    }

    /// <summary>
    /// Every minute (one run across all instances): re-fires PENDING schedules well past due, whose job was lost (an
    /// instance died between writing a schedule and scheduling its job). Firing is idempotent, so a re-fire of a
    /// schedule whose job is merely late or retrying costs nothing but a no-op.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task SweepAsync()
    {
        var before = clock.GetUtcNow() - SweepMargin;
        foreach (var row in await store.OverdueAsync(before.ToUnixTimeMilliseconds(), CancellationToken.None))
            jobs.Enqueue(row.Id, row.Version);
    }

    /// <summary>How far past due a schedule must be before the sweep re-fires it: beyond the first retry of a normal firing.</summary>
    public static readonly TimeSpan SweepMargin = TimeSpan.FromMinutes(2);

    private async Task AdvanceAsync(ScheduleStore.Row row, DateTimeOffset now, CancellationToken ct)
    {
        var sentAt = now.ToUnixTimeMilliseconds();
        var change = ScheduleStore.Unchanged(row, sentAt) with { LastSentAt = sentAt, JobId = null };
        string? nextJob = null;
        if (row.Recurrence == ScheduleRecurrence.None)
        {
            change = change with { Status = "SENT" };
        }
        else
        {
            var (occurrence, at) = ScheduleRecurrence.Next(row.Anchor, row.Recurrence, row.Occurrence, now);
            // The next job before the row moves: a crash in between leaves a duplicate job (harmless), never none.
            nextJob = jobs.Schedule(row.Id, row.Version + 1, at);
            change = change with { Occurrence = occurrence, ScheduledAt = at.ToUnixTimeMilliseconds(), JobId = nextJob };
        }
        if (await store.TryChangeAsync(row, change, ct))
        {
            LogFired(logger, row.Id, row.RoomId, change.Status);
        }
        else if (nextJob is not null)
        {
            // Another run of this job (or an update) moved the row first; its own next job stands.
            jobs.Delete(nextJob);
        }
    }

    private async Task FailAsync(ScheduleStore.Row row, string why, DateTimeOffset now, CancellationToken ct)
    {
        var change = ScheduleStore.Unchanged(row, now.ToUnixTimeMilliseconds()) with { Status = "FAILED", JobId = null };
        if (await store.TryChangeAsync(row, change, ct))
            LogFailed(logger, row.Id, row.RoomId, why);
    }

    private static bool IsLastAttempt(PerformContext? context) =>
        context is null || context.GetJobParameter<int>("RetryCount") >= Retries;

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled message {ScheduleId} sent to room {RoomId}; now {Status}")]
    private static partial void LogFired(ILogger logger, long scheduleId, long roomId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled message {ScheduleId} for room {RoomId} FAILED: {Reason}")]
    private static partial void LogFailed(ILogger logger, long scheduleId, long roomId, string reason);
}

/// <summary>The Hangfire jobs of schedules: one delayed job per (schedule, version).</summary>
public sealed class ScheduleJobs(IBackgroundJobClient client)
{
    public string Schedule(long scheduleId, long version, DateTimeOffset at) =>
        client.Schedule<ScheduledMessageJob>(job => job.FireAsync(scheduleId, version, null), at);

    public void Enqueue(long scheduleId, long version) =>
        client.Enqueue<ScheduledMessageJob>(job => job.FireAsync(scheduleId, version, null));

    /// <summary>Best effort: a job left behind finds its version stale and does nothing.</summary>
    public void Delete(string? jobId)
    {
        if (jobId is not null)
            client.Delete(jobId);
    }
}

/// <summary>Registers the sweep as a recurring job at start (every instance does; Hangfire keeps one under its id).</summary>
public sealed class ScheduleSweepRegistration(IRecurringJobManager recurring) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<ScheduledMessageJob>("scheduled-messages-sweep", job => job.SweepAsync(), Cron.Minutely());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
