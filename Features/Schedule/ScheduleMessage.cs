using System.Security.Claims;
using Microsoft.Extensions.Options;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Scheduling;

namespace Shoot.Features.Messages;

/// <summary>
/// Scheduled messages (docs/api.md §5): <c>POST /api/v1/messages/schedule</c> creates one for a room the caller is in, and
/// <c>GET</c> lists the caller's own. Each is fired by <see cref="ScheduledMessageJob"/> through the same send as
/// <c>/app/chat</c>; update and cancel are in <see cref="ChangeSchedule"/>.
/// </summary>
public static class ScheduleMessage
{
    public sealed record Body(long? RoomId, string? Text, DateTimeOffset? ScheduledAt, string? Recurrence);

    public sealed record Command(long UserId, long? RoomId, string? Text, DateTimeOffset? ScheduledAt, string? Recurrence) : ICommand<ScheduledMessage>;

    public sealed record Query(long UserId, long? RoomId) : IQuery<ItemList<ScheduledMessage>>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator(IOptions<LimitsOptions> limits, IOptions<ScheduleOptions> schedule, TimeProvider clock)
        {
            RuleFor(c => c.RoomId).NotNull().WithMessage("roomId is required.").GreaterThan(0);
            RuleFor(c => c.Text).Text(limits.Value);
            RuleFor(c => c.ScheduledAt).NotNull().WithMessage("scheduledAt is required.");
            RuleFor(c => c.ScheduledAt).InFuture(schedule.Value, clock);
            RuleFor(c => c.Recurrence).Recurrence();
        }
    }

    /// <summary>The rules a field has wherever it appears (create and update).</summary>
    internal static IRuleBuilderOptions<T, string?> Text<T>(this IRuleBuilder<T, string?> rule, LimitsOptions limits) => rule
        .NotEmpty().WithMessage("text is required.")
        .MaximumLength(limits.MessageTextMaxLength).WithMessage($"text must be at most {limits.MessageTextMaxLength} characters.");

    internal static IRuleBuilderOptions<T, DateTimeOffset?> InFuture<T>(this IRuleBuilder<T, DateTimeOffset?> rule, ScheduleOptions options, TimeProvider clock) => rule
        .Must(at => at is null || at.Value > clock.GetUtcNow() - options.PastGrace).WithMessage("scheduledAt must be in the future.");

    internal static IRuleBuilderOptions<T, string?> Recurrence<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(r => r is null || ScheduleRecurrence.Names.Contains(r)).WithMessage("recurrence must be NONE, DAILY, WEEKLY or MONTHLY.");

    public sealed class Handler(ScheduleStore store, ScheduleJobs jobs, RoomMembership membership, IOptions<ScheduleOptions> options, TimeProvider clock)
        : ICommandHandler<Command, ScheduledMessage>, IQueryHandler<Query, ItemList<ScheduledMessage>>
    {
        public async ValueTask<ScheduledMessage> Handle(Command command, CancellationToken ct)
        {
            var roomId = command.RoomId!.Value;
            await membership.EnsureParticipantAsync(roomId, command.UserId, ct);
            var max = options.Value.MaxPendingPerUser;
            // Counted, then inserted: two creates racing at the limit may both pass, which a soft cap can live with.
            if (await store.CountPendingAsync(command.UserId, ct) >= max)
                throw ShootException.Conflict($"At most {max} scheduled messages may be pending at once.");
            var at = command.ScheduledAt!.Value.ToUniversalTime();
            var row = await store.InsertAsync(command.UserId, roomId, command.Text!, command.Recurrence ?? ScheduleRecurrence.None,
                at.ToUnixTimeMilliseconds(), clock.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            // Should the instance die right here, the sweep in ScheduledMessageJob fires the schedule once it is overdue.
            await store.SetJobAsync(row.Id, row.Version, jobs.Schedule(row.Id, row.Version, at), ct);
            return row.ToResource();
        }

        public async ValueTask<ItemList<ScheduledMessage>> Handle(Query query, CancellationToken ct) =>
            new((await store.ListAsync(query.UserId, query.RoomId, ct)).Select(r => r.ToResource()).ToList());
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/messages/schedule").WithTags("Scheduled messages");
            group.MapPost("", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Created(await sender.Send(new Command(user.UserId(), body.RoomId, body.Text, body.ScheduledAt, body.Recurrence), ct)))
                .WithSummary("Schedule a message to a room the caller is in (optionally recurring)");
            group.MapGet("", async (long? roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Query(user.UserId(), roomId), ct)))
                .WithSummary("The caller's scheduled messages (of one room, if roomId is given), soonest first");
            group.MapPut("/{scheduleId:long}", async (long scheduleId, ChangeSchedule.Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new ChangeSchedule.Update(user.UserId(), scheduleId, body.Text, body.ScheduledAt, body.Recurrence), ct)))
                .WithSummary("Change a PENDING scheduled message of the caller's");
            group.MapDelete("/{scheduleId:long}", async (long scheduleId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    await sender.Send(new ChangeSchedule.Cancel(user.UserId(), scheduleId), ct);
                    return ApiResults.Empty();
                })
                .WithSummary("Cancel a PENDING scheduled message of the caller's");
        }
    }
}
