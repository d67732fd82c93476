using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Auth;

namespace Shoot.Features.Friends;

/// <summary>
/// <c>GET /api/v1/users/friends</c> (the caller's friends, public views, by username) and
/// <c>GET /api/v1/users/friends/requests</c> (the caller's pending requests, newest first; answered ones are history and
/// not listed). Only the caller's own lists exist: there is no way to ask for someone else's.
/// </summary>
public static class ListFriends
{
    public sealed record GetFriends(long CallerId) : IQuery<ItemList<User>>;

    public sealed record GetRequests(long CallerId) : IQuery<PendingRequests>;

    public sealed record PendingRequests(IReadOnlyList<FriendRequest> Incoming, IReadOnlyList<FriendRequest> Outgoing);

    private const string FriendsSql = $"""
        SELECT {UserRow.Columns} FROM users
        WHERE id IN (SELECT friend_id FROM friendships WHERE user_id = @CallerId)
        ORDER BY username_normalized
        """;

    public sealed class Handler(FriendshipStore store) : IQueryHandler<GetFriends, ItemList<User>>, IQueryHandler<GetRequests, PendingRequests>
    {
        public async ValueTask<ItemList<User>> Handle(GetFriends query, CancellationToken ct)
        {
            var rows = await store.ReadAsync(connection => connection.QueryAsync<UserRow>(FriendsSql, new { query.CallerId }), ct);
            return new ItemList<User>(rows.Select(r => r.ToPublicView()).ToList());
        }

        public async ValueTask<PendingRequests> Handle(GetRequests query, CancellationToken ct)
        {
            var pending = await store.ReadAsync(connection => FriendshipStore.PendingOfAsync(connection, query.CallerId), ct);
            return new PendingRequests(
                pending.Where(r => r.ToUserId == query.CallerId).ToList(),
                pending.Where(r => r.FromUserId == query.CallerId).ToList());
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapGet("/api/v1/users/friends", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new GetFriends(user.UserId()), ct)))
                .WithTags("Friends").WithSummary("The caller's friends");
            app.MapGet("/api/v1/users/friends/requests", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new GetRequests(user.UserId()), ct)))
                .WithTags("Friends").WithSummary("The caller's pending friend requests, incoming and outgoing");
        }
    }
}
