using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>GET/PUT /api/v1/chatrooms/{roomId}</c>. In a GROUP room only the OWNER and ADMINs edit; in an INDIVIDUAL room
/// either side may set the announcement, and the title cannot be set (each side sees the other's nickname).
/// Absent fields stay as they are; an empty string clears.
/// </summary>
public static class RoomDetails
{
    public sealed record Get(long CallerId, long RoomId) : IQuery<Room>;

    public sealed record UpdateBody(string? Title, string? Announcement);

    public sealed record Update(long CallerId, long RoomId, string? Title, string? Announcement) : ICommand<Room>;

    public sealed class UpdateValidator : AbstractValidator<Update>
    {
        public UpdateValidator()
        {
            RuleFor(c => c.Title).ValidTitle();
            RuleFor(c => c.Announcement).Must(a => a is null || a.Length <= RoomRules.MaxAnnouncementLength)
                .WithMessage($"announcement must be at most {RoomRules.MaxAnnouncementLength} characters.")
                .MultiLine("announcement");
        }
    }

    public sealed class Handler(ISqlDatabase database, RoomMembership membership, RoomDirectory rooms, IPublisher publisher, TimeProvider clock)
        : IQueryHandler<Get, Room>, ICommandHandler<Update, Room>
    {
        private const string UpdateSql = """
            UPDATE rooms SET
                title = CASE WHEN @title IS NULL THEN title ELSE NULLIF(@title, '') END,
                announcement = CASE WHEN @announcement IS NULL THEN announcement ELSE NULLIF(@announcement, '') END,
                updated_at = @now
            WHERE id = @roomId
            """;

        public async ValueTask<Room> Handle(Get query, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(query.RoomId, query.CallerId, ct);
            return await rooms.GetRoomAsync(query.RoomId, query.CallerId, ct);
        }

        public async ValueTask<Room> Handle(Update command, CancellationToken ct)
        {
            // Membership first: a non-participant learns nothing, not even that the title was unacceptable here.
            var member = (await membership.EnsureParticipantAsync(command.RoomId, command.CallerId, ct)).EnsureCanModerate("edit the room");
            if (member.Type == RoomType.Individual && command.Title is not null)
                throw ShootException.Invalid("title", "An INDIVIDUAL room has no title: each side sees the other's nickname.");
            await using (var connection = await database.OpenAsync(ct))
            {
                await connection.ExecuteAsync(UpdateSql, new
                {
                    title = command.Title?.Trim(),
                    announcement = command.Announcement,
                    now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                    roomId = command.RoomId,
                });
            }
            await publisher.Publish(new RoomUpdated(command.RoomId), ct);
            return await rooms.GetRoomAsync(command.RoomId, command.CallerId, ct);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/chatrooms/{roomId:long}").WithTags("Rooms");
            group.MapGet("", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Get(user.UserId(), roomId), ct))).WithSummary("A room with its participants");
            group.MapPut("", async (long roomId, UpdateBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Update(user.UserId(), roomId, body.Title, body.Announcement), ct)))
                .WithSummary("Edit the title or announcement (GROUP: owner or admin)");
        }
    }
}
