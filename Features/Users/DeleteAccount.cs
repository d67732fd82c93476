using System.Globalization;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Shoot.Features.Auth;
using Shoot.Features.Common;
using Shoot.Features.Friends;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary>
/// <c>DELETE /api/v1/users/me</c> with <c>{password}</c> (the seed's isDeleted). At once: the user's token generation
/// moves on, so every access token they hold is refused on every instance, their refresh tokens are deleted, and their
/// STOMP sessions and SSE streams close; then they leave every room as if they had left themselves (ownership passes,
/// the last one out deletes the room), and their friendships, friend requests and pending schedules go. The row stays,
/// marked deleted, with its username and friend code replaced — both free for others — so the messages they sent keep
/// their sender id; to everyone else the user no longer exists (404).
/// </summary>
public static class DeleteAccount
{
    public sealed record Body(string? Password);

    public sealed record Command(long UserId, string? Password) : ICommand<Empty>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(c => c.Password).NotEmpty().WithMessage("password is required.").MaximumLength(200);
    }

    private const string MarkDeletedSql = """
        UPDATE users SET deleted_at = @now, token_generation = token_generation + 1, username = @freed, username_normalized = @freed,
            user_code = @freed, password_hash = '', bio = NULL, profile_image_url = NULL, background_image_url = NULL,
            status = 'OFFLINE', updated_at = @now
        WHERE id = @userId AND deleted_at IS NULL
        """;

    public sealed class Handler(
        ISqlDatabase database, UserDirectory users, PasswordHasher hasher, AccessRevocation access, ISender sender, IPublisher publisher,
        SecurityEvents security, LoginLockout lockout, TimeProvider clock) : ICommandHandler<Command, Empty>
    {
        public async ValueTask<Empty> Handle(Command command, CancellationToken ct)
        {
            var userId = command.UserId;
            var user = await users.FindByIdAsync(userId, ct) ?? throw ShootException.Unauthorized("A valid access token is required.");
            // A password check like login's, so it counts toward (and honours) the same lock: a stolen access token
            // must not become a way to guess the password without limit.
            await lockout.ThrowIfLockedAsync(user.Username, ct);
            if (!hasher.Verify(command.Password!, user.PasswordHash))
            {
                security.AccountDeletionRefused(userId);
                await lockout.FailedAsync(user.Username, userId, ct);
                throw ShootException.Unauthorized("Wrong password.");
            }
            await lockout.SucceededAsync(user.Username, ct);

            IReadOnlyList<long> friends, requestPeers, rooms;
            await using (var connection = await database.OpenAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                var ids = new { userId };
                // "#" cannot occur in a username or a friend code, so the freed values never collide with a real one.
                var freed = "#deleted-" + userId.ToString(CultureInfo.InvariantCulture);
                if (await connection.ExecuteAsync(MarkDeletedSql, new { userId, freed, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction) == 0)
                    throw ShootException.Unauthorized("A valid access token is required.");
                friends = (await connection.QueryAsync<long>("SELECT friend_id FROM friendships WHERE user_id = @userId", ids, transaction)).ToList();
                requestPeers = (await connection.QueryAsync<long>("""
                    SELECT CASE WHEN from_user_id = @userId THEN to_user_id ELSE from_user_id END FROM friend_requests
                    WHERE (from_user_id = @userId OR to_user_id = @userId) AND status = 'PENDING'
                    """, ids, transaction)).ToList();
                rooms = (await connection.QueryAsync<long>("SELECT room_id FROM room_participants WHERE user_id = @userId", ids, transaction)).ToList();
                await connection.ExecuteAsync("DELETE FROM refresh_tokens WHERE user_id = @userId", ids, transaction);
                await connection.ExecuteAsync("DELETE FROM friendships WHERE user_id = @userId OR friend_id = @userId", ids, transaction);
                await connection.ExecuteAsync("DELETE FROM friend_requests WHERE from_user_id = @userId OR to_user_id = @userId", ids, transaction);
                // A Hangfire job still scheduled for one finds no PENDING row and does nothing.
                await connection.ExecuteAsync("DELETE FROM scheduled_messages WHERE user_id = @userId AND status = 'PENDING'", ids, transaction);
                await transaction.CommitAsync(ct);
            }
            security.AccountDeleted(userId);
            // Committed: from here on every instance refuses the tokens; close what is already open.
            await access.RevokeAccountAsync(userId, ct);
            foreach (var roomId in rooms)
                await LeaveAsync(userId, roomId, ct);
            foreach (var friendId in friends)
                await publisher.Publish(new FriendRemoved(userId, friendId), ct);
            foreach (var peer in requestPeers)
                await publisher.Publish(new FriendRequestChanged(userId, peer), ct);
            return Empty.Value;
        }

        /// <summary>The ordinary leave, so ownership passes and the room's events go out exactly as when a user leaves.</summary>
        private async Task LeaveAsync(long userId, long roomId, CancellationToken ct)
        {
            try
            {
                await sender.Send(new LeaveRoom.Command(userId, roomId, userId), ct);
            }
            catch (ShootException e) when (e.Code == ErrorCode.NotFound)
            {
                // Removed by someone else meanwhile: nothing left to leave.
            }
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/api/v1/users/me", async ([FromBody] Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), body.Password), ct)))
                .WithTags("Users")
                .WithSummary("Delete the caller's account (password required)");
    }
}
