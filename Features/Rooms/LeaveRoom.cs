using System.Data.Common;
using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>DELETE /api/v1/chatrooms/{roomId}</c> (the caller leaves) and <c>DELETE /api/v1/chatrooms/{roomId}/participants/{userId}</c>
/// (anyone removes themselves; in a GROUP room the OWNER and ADMINs remove others, but nobody removes the OWNER).
/// The last one out deletes the room with its notice and favorites. When the OWNER goes, the longest-standing ADMIN
/// becomes OWNER, or if there is none the longest-standing member ("longest-standing": joined first).
/// An INDIVIDUAL room has no owner; its other side stays in it after one leaves.
/// </summary>
public static class LeaveRoom
{
    public sealed record Command(long CallerId, long RoomId, long UserId) : ICommand<Empty>;

    public sealed class Handler(ISqlDatabase database, RoomMembership membership, IPublisher publisher) : ICommandHandler<Command, Empty>
    {
        /// <summary>Only when no OWNER is left, so the hand-over cannot make a second one whatever raced with it.</summary>
        private const string PromoteSql = """
            UPDATE room_participants SET role = 'OWNER'
            WHERE id = (SELECT id FROM room_participants WHERE room_id = @roomId
                        ORDER BY CASE role WHEN 'ADMIN' THEN 0 ELSE 1 END, id LIMIT 1)
              AND NOT EXISTS (SELECT 1 FROM room_participants WHERE room_id = @roomId AND role = 'OWNER')
            """;

        public async ValueTask<Empty> Handle(Command command, CancellationToken ct)
        {
            bool roomDeleted;
            await using (var connection = await database.OpenAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                var caller = await membership.EnsureParticipantAsync(connection, transaction, command.RoomId, command.CallerId);
                var target = command.UserId == command.CallerId ? caller : await EnsureMayRemoveAsync(connection, transaction, caller, command.UserId);
                roomDeleted = await RemoveAsync(connection, transaction, target, command.UserId);
                await transaction.CommitAsync(ct);
            }
            await publisher.Publish(new RoomRemoved(command.UserId, command.RoomId), ct);
            if (roomDeleted)
                await publisher.Publish(new RoomDeleted(command.RoomId), ct);
            else
                await publisher.Publish(new ParticipantsChanged(command.RoomId, [], [command.UserId]), ct);
            return Empty.Value;
        }

        private async Task<Membership> EnsureMayRemoveAsync(DbConnection connection, DbTransaction transaction, Membership caller, long userId)
        {
            if (caller.Type == RoomType.Individual)
                throw ShootException.Forbidden("In an INDIVIDUAL room you can only leave yourself.");
            caller.EnsureCanModerate("remove others");
            var target = await membership.FindAsync(connection, transaction, caller.RoomId, userId) ?? throw ShootException.NotFound("The participant");
            return target.Role == ParticipantRole.Owner ? throw ShootException.Forbidden("Nobody can remove the room's owner.") : target;
        }

        /// <returns>True when that was the last participant and the room is gone.</returns>
        private static async Task<bool> RemoveAsync(DbConnection connection, DbTransaction transaction, Membership leaving, long userId)
        {
            var ids = new { roomId = leaving.RoomId, userId };
            await connection.ExecuteAsync("DELETE FROM room_participants WHERE room_id = @roomId AND user_id = @userId", ids, transaction);
            await connection.ExecuteAsync("DELETE FROM room_favorites WHERE room_id = @roomId AND user_id = @userId", ids, transaction);
            var remaining = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM room_participants WHERE room_id = @roomId", ids, transaction);
            if (remaining == 0)
            {
                // Participants, notice and favorites go with it (ON DELETE CASCADE).
                await connection.ExecuteAsync("DELETE FROM rooms WHERE id = @roomId", ids, transaction);
                return true;
            }
            if (leaving.Type == RoomType.Group)
                await connection.ExecuteAsync(PromoteSql, ids, transaction);
            return false;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapDelete("/api/v1/chatrooms/{roomId:long}", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    var callerId = user.UserId();
                    return ApiResults.Ok(await sender.Send(new Command(callerId, roomId, callerId), ct));
                })
                .WithTags("Rooms").WithSummary("Leave the room (the last one out deletes it)");
            app.MapDelete("/api/v1/chatrooms/{roomId:long}/participants/{userId:long}",
                    async (long roomId, long userId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                        ApiResults.Ok(await sender.Send(new Command(user.UserId(), roomId, userId), ct)))
                .WithTags("Rooms").WithSummary("Remove a participant (owner or admin), or yourself");
        }
    }
}
