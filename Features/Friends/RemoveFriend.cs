using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;

namespace Shoot.Features.Friends;

/// <summary><c>DELETE /api/v1/users/friends/{friendId}</c>: ends the friendship for both users. Not a friend: 404.</summary>
public static class RemoveFriend
{
    public sealed record Command(long CallerId, long FriendId) : ICommand<Empty>;

    public sealed class Handler(FriendshipStore store, IPublisher publisher) : ICommandHandler<Command, Empty>
    {
        public async ValueTask<Empty> Handle(Command command, CancellationToken ct)
        {
            var removed = await store.InPairTransactionAsync(command.CallerId, command.FriendId, (connection, transaction) =>
                connection.ExecuteAsync("""
                    DELETE FROM friendships
                    WHERE (user_id = @CallerId AND friend_id = @FriendId) OR (user_id = @FriendId AND friend_id = @CallerId)
                    """, new { command.CallerId, command.FriendId }, transaction), ct);
            if (removed == 0)
                throw ShootException.NotFound("The friend");
            await publisher.Publish(new FriendRemoved(command.CallerId, command.FriendId), ct);
            return Empty.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/api/v1/users/friends/{friendId:long}", async (long friendId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                {
                    await sender.Send(new Command(user.UserId(), friendId), ct);
                    return ApiResults.Empty();
                })
                .WithTags("Friends")
                .WithSummary("Remove a friend (for both users)");
    }
}
