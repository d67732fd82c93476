using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Friends;

/// <summary>
/// <c>POST /api/v1/users/friends/requests</c> with <c>{targetUserId}</c> or <c>{userCode}</c>. A request that crosses an
/// opposite pending one accepts that one instead (both users asked, so they are friends): the answer is then that
/// request, <c>status: ACCEPTED</c> — still 201, as docs/api.md §3 gives this endpoint one answer, so a client never has to
/// tell two success codes apart; the status field says what happened.
/// </summary>
public static class SendFriendRequest
{
    public sealed record Body(long? TargetUserId, string? UserCode);

    public sealed record Command(long CallerId, long? TargetUserId, string? UserCode) : ICommand<Outcome>;

    public sealed record Outcome(FriendRequest Request, bool Created);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.TargetUserId)
                .Must((c, id) => id is null != c.UserCode is null).WithMessage("Give exactly one of targetUserId and userCode.");
            RuleFor(c => c.TargetUserId)
                .GreaterThan(0).WithMessage("targetUserId must be a positive integer.")
                .NotEqual(c => (long?)c.CallerId).WithMessage("You cannot send a friend request to yourself.")
                .When(c => c.TargetUserId is not null);
            RuleFor(c => c.UserCode)
                .Matches("^[A-Za-z0-9]{8}$").When(c => c.UserCode is not null).WithMessage("userCode must be 8 letters or digits.");
        }
    }

    public sealed class Handler(UserDirectory users, FriendshipStore store, ISqlDatabase database, IPublisher publisher, TimeProvider clock)
        : ICommandHandler<Command, Outcome>
    {
        private const string InsertSql = """
            INSERT INTO friend_requests (from_user_id, to_user_id, status, created_at) VALUES (@callerId, @targetId, 'PENDING', @now)
            RETURNING id
            """;

        public async ValueTask<Outcome> Handle(Command command, CancellationToken ct)
        {
            var target = command.TargetUserId is { } id ? await users.FindByIdAsync(id, ct) : await users.FindByUserCodeAsync(command.UserCode!, ct);
            if (target is null)
                throw ShootException.NotFound("The user");
            if (target.Id == command.CallerId)
                throw ShootException.Invalid("userCode", "You cannot send a friend request to yourself.");

            var callerId = command.CallerId;
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            Outcome outcome;
            try
            {
                outcome = await store.InPairTransactionAsync(callerId, target.Id, async (connection, transaction) =>
                {
                    if (await FriendshipStore.AreFriendsAsync(connection, transaction, callerId, target.Id))
                        throw ShootException.Conflict("You are already friends.");
                    if (await FriendshipStore.FindPendingAsync(connection, transaction, callerId, target.Id) is { } pending)
                    {
                        if (pending.FromUserId == callerId)
                            throw ShootException.Conflict("A friend request to this user is already pending.");
                        return new Outcome(await FriendshipStore.AcceptAsync(connection, transaction, pending, now), Created: false);
                    }
                    var requestId = await connection.ExecuteScalarAsync<long>(InsertSql, new { callerId, targetId = target.Id, now }, transaction);
                    return new Outcome(new FriendRequest(requestId, callerId, target.Id, FriendRequestStatus.Pending,
                        DateTimeOffset.FromUnixTimeMilliseconds(now)), Created: true);
                }, ct);
            }
            // Unreachable while every writer takes the pair lock; kept so a writer that forgets it gets a 409, not a 500.
            catch (Exception e) when (database.IsUniqueViolation(e, "ux_friend_requests_pending_pair"))
            {
                throw ShootException.Conflict("A friend request between you and this user is already pending.");
            }

            if (outcome.Created)
                await publisher.Publish(new FriendRequestChanged(callerId, target.Id), ct);
            else
                await publisher.Publish(new FriendAdded(callerId, target.Id), ct);
            return outcome;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/api/v1/users/friends/requests", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    var outcome = await sender.Send(new Command(user.UserId(), body.TargetUserId, body.UserCode), ct);
                    return ApiResults.Created(outcome.Request, $"/api/v1/users/friends/requests/{outcome.Request.Id}");
                })
                .WithTags("Friends")
                .WithSummary("Send a friend request (201); one that crosses an opposite pending request accepts it (201, status ACCEPTED)");
    }
}
