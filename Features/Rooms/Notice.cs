using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>GET/POST /api/v1/chatrooms/{roomId}/notice</c>: one notice per room, set by whoever may edit the room (GROUP:
/// OWNER/ADMIN; INDIVIDUAL: either side). An empty text removes it; a room without one answers all-null fields.
/// </summary>
public static class Notice
{
    public sealed record View(string? Text, long? UpdatedBy, DateTimeOffset? UpdatedAt);

    public sealed record Get(long CallerId, long RoomId) : IQuery<View>;

    public sealed record Body(string? Text);

    public sealed record Set(long CallerId, long RoomId, string? Text) : ICommand<View>;

    public sealed class SetValidator : AbstractValidator<Set>
    {
        public SetValidator() => RuleFor(c => c.Text)
            .NotNull().WithMessage("text is required (an empty text removes the notice).")
            .MaximumLength(RoomRules.MaxNoticeLength).WithMessage($"text must be at most {RoomRules.MaxNoticeLength} characters.")
            .MultiLine("text");
    }

    private sealed record Row(string Text, long UpdatedBy, long UpdatedAt);

    public sealed class Handler(ISqlDatabase database, RoomMembership membership, IPublisher publisher, TimeProvider clock)
        : IQueryHandler<Get, View>, ICommandHandler<Set, View>
    {
        private const string UpsertSql = """
            INSERT INTO room_notices (room_id, text, updated_by, updated_at) VALUES (@roomId, @text, @callerId, @now)
            ON CONFLICT (room_id) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """;

        public async ValueTask<View> Handle(Get query, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(query.RoomId, query.CallerId, ct);
            await using var connection = await database.OpenAsync(ct);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(
                "SELECT text, updated_by AS UpdatedBy, updated_at AS UpdatedAt FROM room_notices WHERE room_id = @roomId", new { roomId = query.RoomId });
            return row is null ? new View(null, null, null) : new View(row.Text, row.UpdatedBy, RoomNames.Time(row.UpdatedAt));
        }

        public async ValueTask<View> Handle(Set command, CancellationToken ct)
        {
            (await membership.EnsureParticipantAsync(command.RoomId, command.CallerId, ct)).EnsureCanModerate("set the notice");
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await using (var connection = await database.OpenAsync(ct))
            {
                if (command.Text!.Length == 0)
                    await connection.ExecuteAsync("DELETE FROM room_notices WHERE room_id = @roomId", new { roomId = command.RoomId });
                else
                    await connection.ExecuteAsync(UpsertSql, new { roomId = command.RoomId, text = command.Text, callerId = command.CallerId, now });
            }
            await publisher.Publish(new RoomUpdated(command.RoomId), ct);
            return command.Text.Length == 0 ? new View(null, null, null) : new View(command.Text, command.CallerId, RoomNames.Time(now));
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/chatrooms/{roomId:long}/notice").WithTags("Rooms");
            group.MapGet("", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Get(user.UserId(), roomId), ct))).WithSummary("The room's notice");
            group.MapPost("", async (long roomId, Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Set(user.UserId(), roomId, body.Text), ct))).WithSummary("Set or clear the room's notice");
        }
    }
}
