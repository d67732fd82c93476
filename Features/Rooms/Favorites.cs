using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>POST/DELETE /api/v1/chatrooms/{roomId}/favorite</c>: each user's own mark, idempotent both ways. The list is
/// <c>GET /api/v1/chatrooms/favorites</c> (ListRooms). Leaving a room drops its mark.
/// </summary>
public static class Favorites
{
    public sealed record Mark(long CallerId, long RoomId, bool Favorite) : ICommand<Empty>;

    public sealed class Handler(ISqlDatabase database, RoomMembership membership, TimeProvider clock) : ICommandHandler<Mark, Empty>
    {
        private const string AddSql = """
            INSERT INTO room_favorites (user_id, room_id, created_at) VALUES (@callerId, @roomId, @now)
            ON CONFLICT (user_id, room_id) DO NOTHING
            """;

        private const string RemoveSql = "DELETE FROM room_favorites WHERE user_id = @callerId AND room_id = @roomId";

        public async ValueTask<Empty> Handle(Mark command, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(command.RoomId, command.CallerId, ct);
            await using var connection = await database.OpenAsync(ct);
            await connection.ExecuteAsync(command.Favorite ? AddSql : RemoveSql,
                new { callerId = command.CallerId, roomId = command.RoomId, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
            return Empty.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/chatrooms/{roomId:long}/favorite").WithTags("Rooms");
            group.MapPost("", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Mark(user.UserId(), roomId, true), ct))).WithSummary("Mark the room as a favorite");
            group.MapDelete("", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Mark(user.UserId(), roomId, false), ct))).WithSummary("Unmark the room as a favorite");
        }
    }
}
