using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;

namespace Shoot.Features.Friends;

/// <summary>
/// <c>POST …/requests/{requestId}/accept</c> and <c>/reject</c> (the addressee only) and <c>DELETE …/requests/{requestId}</c>
/// (the requester only). A request the caller is not part of is 404, as if it did not exist (docs/api.md §1: do not reveal
/// what the caller cannot see); the other party of a request may see it in their own list, so for them a wrong action is
/// 403. A request that is no longer pending is 409.
/// </summary>
public static class AnswerFriendRequest
{
    public enum Answer { Accept, Reject, Cancel }

    public sealed record Command(long CallerId, long RequestId, Answer Answer) : ICommand<FriendRequest>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(c => c.RequestId).GreaterThan(0).WithMessage("requestId must be a positive integer.");
    }

    public sealed class Handler(FriendshipStore store, IPublisher publisher, TimeProvider clock) : ICommandHandler<Command, FriendRequest>
    {
        public async ValueTask<FriendRequest> Handle(Command command, CancellationToken ct)
        {
            var caller = command.CallerId;
            // A first read outside the transaction, only to learn which pair to lock; it is read again under the lock.
            var seen = await store.ReadAsync(connection => FriendshipStore.FindRequestAsync(connection, null, command.RequestId), ct);
            if (seen is null || (seen.FromUserId != caller && seen.ToUserId != caller))
                throw ShootException.NotFound("The friend request");
            if (command.Answer == Answer.Cancel ? seen.FromUserId != caller : seen.ToUserId != caller)
                throw ShootException.Forbidden(command.Answer == Answer.Cancel
                    ? "Only the user who sent a friend request may cancel it."
                    : "Only the user a friend request was sent to may accept or reject it.");

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var answered = await store.InPairTransactionAsync(seen.FromUserId, seen.ToUserId, async (connection, transaction) =>
            {
                var request = await FriendshipStore.FindRequestAsync(connection, transaction, command.RequestId);
                if (request is null || !request.IsPending)
                    throw ShootException.Conflict("The friend request is no longer pending.");
                if (command.Answer == Answer.Accept)
                    return await FriendshipStore.AcceptAsync(connection, transaction, request, now);
                var status = command.Answer == Answer.Reject ? FriendRequestStatus.Rejected : FriendRequestStatus.Cancelled;
                await FriendshipStore.SetStatusAsync(connection, transaction, request.Id, status, now);
                return request.ToView() with { Status = status };
            }, ct);

            if (answered.Status == FriendRequestStatus.Accepted)
                await publisher.Publish(new FriendAdded(answered.FromUserId, answered.ToUserId), ct);
            else
                await publisher.Publish(new FriendRequestChanged(answered.FromUserId, answered.ToUserId), ct);
            return answered;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/users/friends/requests/{requestId:long}").WithTags("Friends");
            group.MapPost("/accept", async (long requestId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), requestId, Answer.Accept), ct)))
                .WithSummary("Accept a friend request sent to you");
            group.MapPost("/reject", async (long requestId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), requestId, Answer.Reject), ct)))
                .WithSummary("Reject a friend request sent to you");
            group.MapDelete("", async (long requestId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    await sender.Send(new Command(user.UserId(), requestId, Answer.Cancel), ct);
                    return ApiResults.Empty();
                })
                .WithSummary("Cancel a friend request you sent");
        }
    }
}
