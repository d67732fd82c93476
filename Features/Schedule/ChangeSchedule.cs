using Microsoft.Extensions.Options;
using Shoot.Features.Common;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Scheduling;

namespace Shoot.Features.Messages;

/// <summary>
/// <c>PUT</c> and <c>DELETE /api/v1/messages/schedule/{scheduleId}</c>: the owner changes or cancels a PENDING schedule
/// (someone else's is 404, a finished one 409). Either moves the row's version on, so the job already scheduled
/// becomes stale and does nothing (it is also deleted); an update schedules a job for the new version.
/// </summary>
public static class ChangeSchedule
{
    public sealed record Body(string? Text, DateTimeOffset? ScheduledAt, string? Recurrence);

    public sealed record Update(long UserId, long ScheduleId, string? Text, DateTimeOffset? ScheduledAt, string? Recurrence) : ICommand<ScheduledMessage>;

    public sealed record Cancel(long UserId, long ScheduleId) : ICommand<Empty>;

    public sealed class Validator : AbstractValidator<Update>
    {
        public Validator(IOptions<LimitsOptions> limits, IOptions<ScheduleOptions> schedule, TimeProvider clock)
        {
            RuleFor(c => c.Text).Text(limits.Value).When(c => c.Text is not null);
            RuleFor(c => c.ScheduledAt).InFuture(schedule.Value, clock);
            RuleFor(c => c.Recurrence).Recurrence();
        }
    }

    public sealed class Handler(ScheduleStore store, ScheduleJobs jobs, TimeProvider clock)
        : ICommandHandler<Update, ScheduledMessage>, ICommandHandler<Cancel, Empty>
    {
        public async ValueTask<ScheduledMessage> Handle(Update command, CancellationToken ct)
        {
            var row = await PendingAsync(command.UserId, command.ScheduleId, ct);
            // A new time, or a new recurrence, starts the series again from there (the next due time when only the recurrence changes).
            var anchor = command.ScheduledAt?.ToUniversalTime() ?? DateTimeOffset.FromUnixTimeMilliseconds(row.ScheduledAt);
            var retimed = command.ScheduledAt is not null || command.Recurrence is not null;
            var job = jobs.Schedule(row.Id, row.Version + 1, anchor);
            var change = ScheduleStore.Unchanged(row, clock.GetUtcNow().ToUnixTimeMilliseconds()) with
            {
                Text = command.Text ?? row.Text,
                Recurrence = command.Recurrence ?? row.Recurrence,
                AnchorAt = retimed ? anchor.ToUnixTimeMilliseconds() : row.AnchorAt,
                Occurrence = retimed ? 0 : row.Occurrence,
                ScheduledAt = anchor.ToUnixTimeMilliseconds(),
                JobId = job,
            };
            if (!await store.TryChangeAsync(row, change, ct))
            {
                jobs.Delete(job);
                throw Moved();
            }
            jobs.Delete(row.JobId);
            return (await store.FindAsync(row.Id, ct))!.ToResource();
        }

        public async ValueTask<Empty> Handle(Cancel command, CancellationToken ct)
        {
            var row = await PendingAsync(command.UserId, command.ScheduleId, ct);
            var change = ScheduleStore.Unchanged(row, clock.GetUtcNow().ToUnixTimeMilliseconds()) with { Status = "CANCELLED", JobId = null };
            if (!await store.TryChangeAsync(row, change, ct))
                throw Moved();
            jobs.Delete(row.JobId);
            return Empty.Value;
        }

        private async Task<ScheduleStore.Row> PendingAsync(long userId, long scheduleId, CancellationToken ct)
        {
            var row = await store.FindAsync(scheduleId, ct);
            if (row is null || row.UserId != userId)
                throw ShootException.NotFound("The scheduled message");
            if (row.Status != "PENDING")
                throw ShootException.Conflict($"The scheduled message is {row.Status}; only a PENDING one can be changed.");
            return row;
        }

        /// <summary>It fired (or was changed by another request) while this one ran.</summary>
        private static ShootException Moved() =>
            ShootException.Conflict("The scheduled message changed meanwhile (it may have just been sent); read it again.");
    }
}
