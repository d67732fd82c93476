using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;

namespace Shoot.Features.Auth;

/// <summary>
/// <c>POST /api/v1/auth/refresh</c> rotates a refresh token; <c>POST /api/v1/auth/logout</c> revokes its family.
/// Access tokens are stateless and stay valid until they expire (at most <c>Jwt:AccessTokenLifetime</c>).
/// </summary>
public static class RefreshToken
{
    public sealed record Command(string? RefreshToken) : ICommand<TokenPair>;

    public sealed record LogoutBody(string? RefreshToken);

    public sealed record LogoutCommand(long UserId, string? RefreshToken) : ICommand<Empty>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(c => c.RefreshToken).NotEmpty().WithMessage("refreshToken is required.").MaximumLength(200);
    }

    public sealed class LogoutValidator : AbstractValidator<LogoutCommand>
    {
        public LogoutValidator() => RuleFor(c => c.RefreshToken).NotEmpty().WithMessage("refreshToken is required.").MaximumLength(200);
    }

    public sealed class Handler(RefreshTokenStore store) : ICommandHandler<Command, TokenPair>, ICommandHandler<LogoutCommand, Empty>
    {
        public async ValueTask<TokenPair> Handle(Command command, CancellationToken cancellationToken) =>
            await store.RotateAsync(command.RefreshToken!, cancellationToken);

        public async ValueTask<Empty> Handle(LogoutCommand command, CancellationToken cancellationToken)
        {
            await store.RevokeAsync(command.RefreshToken!, command.UserId, cancellationToken);
            return Empty.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapPost("/api/v1/auth/refresh", async (Command command, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(command, ct)))
                .AllowAnonymous()
                .WithTags("Auth")
                .WithSummary("Rotate a refresh token");
            app.MapPost("/api/v1/auth/logout", async (LogoutBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new LogoutCommand(user.UserId(), body.RefreshToken), ct)))
                .WithTags("Auth")
                .WithSummary("Sign out: revoke the refresh token's family");
        }
    }
}
