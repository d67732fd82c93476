using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Auth;

namespace Shoot.Features.Auth;

/// <summary>
/// <c>POST /api/v1/auth/login</c>. Failed attempts are counted per username (docs/api.md §9): the Nth failure within the
/// window locks the username, and until the lock ends every attempt — right password or not — gets 429 with Retry-After
/// (<see cref="LoginLockout"/>, shared with account deletion).
/// </summary>
public static class Login
{
    public sealed record Command(string? Username, string? Password) : ICommand<TokenPair>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Username).NotEmpty().WithMessage("Username is required.").MaximumLength(100);
            RuleFor(c => c.Password).NotEmpty().WithMessage("Password is required.").MaximumLength(200);
        }
    }

    public sealed class Handler(UserDirectory users, PasswordHasher hasher, RefreshTokenStore refreshTokens, LoginLockout lockout, SecurityEvents security)
        : ICommandHandler<Command, TokenPair>
    {
        public async ValueTask<TokenPair> Handle(Command command, CancellationToken cancellationToken)
        {
            await lockout.ThrowIfLockedAsync(command.Username!, cancellationToken);
            var user = await users.FindByUsernameAsync(command.Username!, cancellationToken);
            if (!hasher.Verify(command.Password!, user?.PasswordHash))
            {
                security.LoginFailed(UserDirectory.NormalizeUsername(command.Username!), user?.Id);
                await lockout.FailedAsync(command.Username!, user?.Id, cancellationToken);
                // One message for unknown user and wrong password, so the answer does not reveal which usernames exist.
                throw ShootException.Unauthorized("Wrong username or password.");
            }
            await lockout.SucceededAsync(command.Username!, cancellationToken);
            return await refreshTokens.IssueAsync(user!.Id, user.Username, user.TokenGeneration, cancellationToken);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/api/v1/auth/login", async (Command command, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(command, ct)))
                .AllowAnonymous()
                .WithTags("Auth")
                .WithSummary("Sign in: access and refresh tokens");
    }
}
