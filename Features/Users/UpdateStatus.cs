using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary>
/// <c>PUT /api/v1/users/status</c>: the status a user chooses. What others see is computed by
/// <see cref="Realtime.Presence"/>: OFFLINE without a live STOMP session, and with one the chosen BUSY/AWAY or else ONLINE.
/// </summary>
public static class UpdateStatus
{
    public sealed record Body(string? Status);

    public sealed record Command(long UserId, string? Status) : ICommand<User>;

    public sealed class Validator : AbstractValidator<Command>
    {
        private static readonly string[] Allowed = ["ONLINE", "OFFLINE", "BUSY", "AWAY"];

        public Validator() => RuleFor(c => c.Status)
            .Must(s => s is not null && Allowed.Contains(s)).WithMessage("Status must be one of ONLINE, OFFLINE, BUSY, AWAY.");
    }

    public sealed class Handler(ISqlDatabase database, UserDirectory users, TimeProvider clock) : ICommandHandler<Command, User>
    {
        public async ValueTask<User> Handle(Command command, CancellationToken ct)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await using (var connection = await database.OpenAsync(ct))
            {
                await connection.ExecuteAsync(
                    "UPDATE users SET status = @Status, last_seen_at = @now, updated_at = @now WHERE id = @UserId",
                    new { command.Status, now, command.UserId });
            }
            return (await users.GetByIdAsync(command.UserId, ct)).ToOwnView();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPut("/api/v1/users/status", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), body.Status), ct)))
                .WithTags("Users")
                .WithSummary("Set the caller's status");
    }
}
