using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>
/// <c>POST /api/v1/chatrooms</c> and <c>POST /api/v1/chatrooms/multiple</c>. The caller is always in the room they create;
/// their own id in <c>participantIds</c> is ignored. A pair has one INDIVIDUAL room for good: asking for it again (from
/// either side) returns it with 200 and brings back whichever of the two had left it.
/// </summary>
public static class CreateRoom
{
    public sealed record Body(string? Type, IReadOnlyList<long>? ParticipantIds, string? Title);

    public sealed record Command(long CallerId, string? Type, IReadOnlyList<long>? ParticipantIds, string? Title) : ICommand<Result>;

    public sealed record Result(Room Room, bool Created);

    public sealed record MultipleBody(IReadOnlyList<long>? ParticipantIds);

    /// <summary>One INDIVIDUAL room with each listed user.</summary>
    public sealed record Multiple(long CallerId, IReadOnlyList<long>? ParticipantIds) : ICommand<ItemList<Room>>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Type).Must(t => t is RoomNames.Individual or RoomNames.Group).WithMessage("type must be INDIVIDUAL or GROUP.");
            RuleFor(c => c.ParticipantIds).ValidUserIds();
            RuleFor(c => c.Title).ValidTitle();
            When(c => c.Type == RoomNames.Individual, () =>
            {
                RuleFor(c => c.ParticipantIds).Must((c, ids) => RoomRules.Others(ids, c.CallerId).Count == 1)
                    .WithMessage("An INDIVIDUAL room is with exactly one other user.");
                RuleFor(c => c.Title).Null().WithMessage("An INDIVIDUAL room has no title: each side sees the other's nickname.");
            });
            When(c => c.Type == RoomNames.Group, () => RuleFor(c => c.ParticipantIds)
                .Must((c, ids) => RoomRules.Others(ids, c.CallerId).Count is >= 1 and < RoomNames.MaxGroupSize)
                .WithMessage($"A GROUP room holds 2 to {RoomNames.MaxGroupSize} participants, the creator included."));
        }
    }

    public sealed class MultipleValidator : AbstractValidator<Multiple>
    {
        public MultipleValidator() => RuleFor(c => c.ParticipantIds).ValidUserIds()
            .Must((c, ids) => RoomRules.Others(ids, c.CallerId).Count > 0).WithMessage("List at least one user other than yourself.");
    }

    public sealed class Handler(ISqlDatabase database, RoomDirectory rooms, IPublisher publisher, TimeProvider clock)
        : ICommandHandler<Command, Result>, ICommandHandler<Multiple, ItemList<Room>>
    {
        private const string InsertRoomSql = """
            INSERT INTO rooms (type, title, individual_key, created_by, last_active_at, created_at, updated_at)
            VALUES (@type, @title, @individualKey, @callerId, @now, @now, @now)
            RETURNING id
            """;

        public async ValueTask<Result> Handle(Command command, CancellationToken ct)
        {
            var others = RoomRules.Others(command.ParticipantIds, command.CallerId);
            await EnsureUsersExistAsync(others, ct);
            var roomId = command.Type == RoomNames.Individual
                ? await OpenIndividualAsync(command.CallerId, others[0], ct)
                : await CreateGroupAsync(command.CallerId, others, command.Title?.Trim(), ct);
            return new Result(await rooms.GetRoomAsync(roomId.Id, command.CallerId, ct), roomId.Created);
        }

        public async ValueTask<ItemList<Room>> Handle(Multiple command, CancellationToken ct)
        {
            var others = RoomRules.Others(command.ParticipantIds, command.CallerId);
            await EnsureUsersExistAsync(others, ct);
            var result = new List<Room>(others.Count);
            foreach (var other in others)
                result.Add(await rooms.GetRoomAsync((await OpenIndividualAsync(command.CallerId, other, ct)).Id, command.CallerId, ct));
            return new ItemList<Room>(result);
        }

        private async Task EnsureUsersExistAsync(IReadOnlyList<long> userIds, CancellationToken ct)
        {
            await using var connection = await database.OpenAsync(ct);
            await RoomRules.EnsureUsersExistAsync(database, connection, userIds, "participantIds");
        }

        private async Task<(long Id, bool Created)> CreateGroupAsync(long callerId, IReadOnlyList<long> others, string? title, CancellationToken ct)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            long roomId;
            await using (var connection = await database.OpenAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                roomId = await connection.ExecuteScalarAsync<long>(InsertRoomSql,
                    new { type = RoomNames.Group, title = string.IsNullOrEmpty(title) ? null : title, individualKey = (string?)null, callerId, now }, transaction);
                await RoomMembership.AddAsync(connection, transaction, roomId, [callerId], ParticipantRole.Owner, now);
                await RoomMembership.AddAsync(connection, transaction, roomId, others, ParticipantRole.Member, now);
                await transaction.CommitAsync(ct);
            }
            await publisher.Publish(new RoomCreated(roomId, [callerId, .. others]), ct);
            return (roomId, true);
        }

        /// <summary>
        /// The unique index on individual_key decides a race: of two simultaneous creations for one pair, one inserts
        /// and the other hits the index, rolls back and finds the winner's room on its next pass. (SQLite never gets that
        /// far: its write transactions run one at a time, so the second sees the first's room.)
        /// </summary>
        private async Task<(long Id, bool Created)> OpenIndividualAsync(long callerId, long otherId, CancellationToken ct)
        {
            var key = RoomNames.IndividualKey(callerId, otherId);
            for (var attempt = 1; ; attempt++)
            {
                var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
                await using var connection = await database.OpenAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var existing = await connection.QuerySingleOrDefaultAsync<long?>(
                    "SELECT id FROM rooms WHERE individual_key = @key", new { key }, transaction);
                if (existing is { } roomId)
                {
                    // Both sides are participants again, whoever had left.
                    var back = await RoomMembership.AddAsync(connection, transaction, roomId, [callerId, otherId], ParticipantRole.Member, now);
                    await transaction.CommitAsync(ct);
                    if (back.Count > 0)
                        await publisher.Publish(new ParticipantsChanged(roomId, back, []), ct);
                    return (roomId, false);
                }
                try
                {
                    roomId = await connection.ExecuteScalarAsync<long>(InsertRoomSql,
                        new { type = RoomNames.Individual, title = (string?)null, individualKey = key, callerId, now }, transaction);
                    await RoomMembership.AddAsync(connection, transaction, roomId, [callerId, otherId], ParticipantRole.Member, now);
                    await transaction.CommitAsync(ct);
                }
                catch (Exception e) when (attempt < 3 && (database.IsUniqueViolation(e, "ux_rooms_individual_key") || database.IsUniqueViolation(e, "rooms.individual_key")))
                {
                    continue;
                }
                await publisher.Publish(new RoomCreated(roomId, [callerId, otherId]), ct);
                return (roomId, true);
            }
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            // Both outcomes in the return type, so the API document lists 201 and 200 as served.
            app.MapPost("/api/v1/chatrooms", async Task<Results<Created<SuccessEnvelope<Room>>, Ok<SuccessEnvelope<Room>>>> (
                    Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    var result = await sender.Send(new Command(user.UserId(), body.Type, body.ParticipantIds, body.Title), ct);
                    return result.Created
                        ? ApiResults.Created(result.Room, $"/api/v1/chatrooms/{result.Room.Id}")
                        : ApiResults.Ok(result.Room);
                })
                .WithTags("Rooms").WithSummary("Create a room (an INDIVIDUAL room that exists already is returned with 200)");
            app.MapPost("/api/v1/chatrooms/multiple", async (MultipleBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Multiple(user.UserId(), body.ParticipantIds), ct)))
                .WithTags("Rooms").WithSummary("Open the INDIVIDUAL room with each listed user");
        }
    }
}
