using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>GET/POST /api/v1/chatrooms/{roomId}/participants</c> and, beyond the original design,
/// <c>PUT /api/v1/chatrooms/{roomId}/participants/{userId}/role {role}</c>: the OWNER makes someone ADMIN or MEMBER,
/// or hands ownership over with OWNER (the old owner becomes ADMIN). Adding is for GROUP rooms, by OWNER or ADMIN, up
/// to 100 participants (409 beyond); users already in are skipped. Every answer is the whole list, in join order.
/// </summary>
public static class Participants
{
    public sealed record List(long CallerId, long RoomId) : IQuery<ItemList<Participant>>;

    public sealed record AddBody(IReadOnlyList<long>? UserIds);

    public sealed record Add(long CallerId, long RoomId, IReadOnlyList<long>? UserIds) : ICommand<ItemList<Participant>>;

    public sealed record RoleBody(string? Role);

    public sealed record SetRole(long CallerId, long RoomId, long UserId, string? Role) : ICommand<ItemList<Participant>>;

    public sealed class AddValidator : AbstractValidator<Add>
    {
        public AddValidator() => RuleFor(c => c.UserIds).ValidUserIds();
    }

    public sealed class SetRoleValidator : AbstractValidator<SetRole>
    {
        public SetRoleValidator()
        {
            RuleFor(c => c.Role).Must(r => r is RoomNames.Owner or RoomNames.Admin or RoomNames.Member)
                .WithMessage("role must be OWNER, ADMIN or MEMBER.");
            RuleFor(c => c.UserId).NotEqual(c => c.CallerId).WithMessage("The owner's own role changes only by handing ownership to someone else.");
        }
    }

    public sealed class Handler(ISqlDatabase database, RoomMembership membership, RoomDirectory rooms, IPublisher publisher, TimeProvider clock)
        : IQueryHandler<List, ItemList<Participant>>, ICommandHandler<Add, ItemList<Participant>>, ICommandHandler<SetRole, ItemList<Participant>>
    {
        private const string SetRoleSql = "UPDATE room_participants SET role = @role WHERE room_id = @roomId AND user_id = @userId";

        public async ValueTask<ItemList<Participant>> Handle(List query, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(query.RoomId, query.CallerId, ct);
            return new ItemList<Participant>(await rooms.GetParticipantsAsync(query.RoomId, ct));
        }

        public async ValueTask<ItemList<Participant>> Handle(Add command, CancellationToken ct)
        {
            IReadOnlyList<long> added;
            await using (var connection = await database.OpenAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                var caller = await membership.EnsureParticipantAsync(connection, transaction, command.RoomId, command.CallerId);
                if (caller.Type != RoomType.Group)
                    throw ShootException.Invalid("userIds", "Participants can be added to GROUP rooms only.");
                caller.EnsureCanModerate("add participants");
                var candidates = RoomRules.Others(command.UserIds, command.CallerId);
                await RoomRules.EnsureUsersExistAsync(database, connection, candidates, "userIds");
                var present = (await connection.QueryAsync<long>(
                    "SELECT user_id FROM room_participants WHERE room_id = @roomId", new { roomId = command.RoomId }, transaction)).ToHashSet();
                var newcomers = candidates.Where(id => !present.Contains(id)).ToList();
                if (present.Count + newcomers.Count > RoomNames.MaxGroupSize)
                    throw ShootException.Conflict($"A GROUP room holds at most {RoomNames.MaxGroupSize} participants; it has {present.Count}.");
                added = await RoomMembership.AddAsync(connection, transaction, command.RoomId, newcomers, ParticipantRole.Member,
                    clock.GetUtcNow().ToUnixTimeMilliseconds());
                await transaction.CommitAsync(ct);
            }
            if (added.Count > 0)
                await publisher.Publish(new ParticipantsChanged(command.RoomId, added, []), ct);
            return new ItemList<Participant>(await rooms.GetParticipantsAsync(command.RoomId, ct));
        }

        public async ValueTask<ItemList<Participant>> Handle(SetRole command, CancellationToken ct)
        {
            await using (var connection = await database.OpenAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                var caller = await membership.EnsureParticipantAsync(connection, transaction, command.RoomId, command.CallerId);
                if (caller.Role != ParticipantRole.Owner)
                    throw ShootException.Forbidden("Only the room's owner may change roles.");
                _ = await membership.FindAsync(connection, transaction, command.RoomId, command.UserId)
                    ?? throw ShootException.NotFound("The participant");
                await connection.ExecuteAsync(SetRoleSql, new { role = command.Role, roomId = command.RoomId, userId = command.UserId }, transaction);
                if (command.Role == RoomNames.Owner)
                    await connection.ExecuteAsync(SetRoleSql, new { role = RoomNames.Admin, roomId = command.RoomId, userId = command.CallerId }, transaction);
                await transaction.CommitAsync(ct);
            }
            await publisher.Publish(new ParticipantsChanged(command.RoomId, [], []), ct);
            return new ItemList<Participant>(await rooms.GetParticipantsAsync(command.RoomId, ct));
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/chatrooms/{roomId:long}/participants").WithTags("Rooms");
            group.MapGet("", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new List(user.UserId(), roomId), ct))).WithSummary("The room's participants in join order");
            group.MapPost("", async (long roomId, AddBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Add(user.UserId(), roomId, body.UserIds), ct)))
                .WithSummary("Add users to a GROUP room (owner or admin)");
            group.MapPut("/{userId:long}/role", async (long roomId, long userId, RoleBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new SetRole(user.UserId(), roomId, userId, body.Role), ct)))
                .WithSummary("Make a participant ADMIN or MEMBER, or hand ownership over (owner only)");
        }
    }
}
