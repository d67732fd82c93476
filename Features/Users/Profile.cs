using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary>The caller's own profile: <c>GET/PUT /api/v1/users/me</c> and the two image URLs.</summary>
public static class Profile
{
    public sealed record GetMe(long UserId) : IQuery<User>;

    /// <summary>Absent fields stay as they are; an empty bio clears it.</summary>
    public sealed record UpdateBody(string? Nickname, string? Bio);

    public sealed record UpdateMe(long UserId, string? Nickname, string? Bio) : ICommand<User>;

    public sealed record ImageBody(string? Url);

    public enum ImageKind { Profile, Background }

    public sealed record SetImage(long UserId, ImageKind Kind, string? Url) : ICommand<User>;

    public sealed class UpdateMeValidator : AbstractValidator<UpdateMe>
    {
        public UpdateMeValidator()
        {
            When(c => c.Nickname is not null, () => RuleFor(c => c.Nickname).ValidNickname());
            RuleFor(c => c.Bio).ValidBio();
        }
    }

    public sealed class SetImageValidator : AbstractValidator<SetImage>
    {
        public SetImageValidator() => RuleFor(c => c.Url).ValidHttpUrl();
    }

    public sealed class Handler(ISqlDatabase database, UserDirectory users, TimeProvider clock, Realtime.Presence presence)
        : IQueryHandler<GetMe, User>, ICommandHandler<UpdateMe, User>, ICommandHandler<SetImage, User>
    {
        public async ValueTask<User> Handle(GetMe query, CancellationToken ct) =>
            (await presence.ApplyAsync(await users.GetByIdAsync(query.UserId, ct), ct)).ToOwnView();

        public async ValueTask<User> Handle(UpdateMe command, CancellationToken ct)
        {
            await ExecuteAsync("""
                UPDATE users SET nickname = COALESCE(@Nickname, nickname), bio = CASE WHEN @Bio IS NULL THEN bio ELSE NULLIF(@Bio, '') END,
                    updated_at = @Now WHERE id = @UserId
                """, new { Nickname = command.Nickname?.Trim(), command.Bio, command.UserId }, ct);
            return (await users.GetByIdAsync(command.UserId, ct)).ToOwnView();
        }

        public async ValueTask<User> Handle(SetImage command, CancellationToken ct)
        {
            // Two fixed statements rather than a column name spliced into SQL.
            var sql = command.Kind == ImageKind.Profile
                ? "UPDATE users SET profile_image_url = @Url, updated_at = @Now WHERE id = @UserId"
                : "UPDATE users SET background_image_url = @Url, updated_at = @Now WHERE id = @UserId";
            await ExecuteAsync(sql, new { command.Url, command.UserId }, ct);
            return (await users.GetByIdAsync(command.UserId, ct)).ToOwnView();
        }

        private async Task ExecuteAsync(string sql, object values, CancellationToken ct)
        {
            var parameters = new DynamicParameters(values);
            parameters.Add("Now", clock.GetUtcNow().ToUnixTimeMilliseconds());
            await using var connection = await database.OpenAsync(ct);
            await connection.ExecuteAsync(sql, parameters);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/users/me").WithTags("Users");
            group.MapGet("", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new GetMe(user.UserId()), ct))).WithSummary("The caller's own profile");
            group.MapPut("", async (UpdateBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new UpdateMe(user.UserId(), body.Nickname, body.Bio), ct))).WithSummary("Edit nickname and bio");
            group.MapPut("/profile-image", async (ImageBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new SetImage(user.UserId(), ImageKind.Profile, body.Url), ct))).WithSummary("Set the profile image URL");
            group.MapPut("/background-image", async (ImageBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new SetImage(user.UserId(), ImageKind.Background, body.Url), ct))).WithSummary("Set the background image URL");
        }
    }
}
