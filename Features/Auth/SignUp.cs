using System.Security.Cryptography;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Auth;

/// <summary><c>POST /api/v1/auth/signup</c>: creates an account with a unique friend code.</summary>
public static class SignUp
{
    public sealed record Command(string? Username, string? Nickname, string? Password, string? Bio) : ICommand<User>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Username).ValidUsername();
            RuleFor(c => c.Nickname).ValidNickname();
            RuleFor(c => c.Password).ValidPassword();
            RuleFor(c => c.Bio).ValidBio();
        }
    }

    public sealed class Handler(ISqlDatabase database, PasswordHasher hasher, TimeProvider clock) : ICommandHandler<Command, User>
    {
        private const string CodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        private const int CodeAttempts = 5;

        private const string InsertSql = """
            INSERT INTO users (username, username_normalized, nickname, password_hash, status, bio, user_code, created_at, updated_at)
            VALUES (@Username, @Normalized, @Nickname, @PasswordHash, 'OFFLINE', @Bio, @UserCode, @Now, @Now)
            RETURNING id
            """;

        public async ValueTask<User> Handle(Command command, CancellationToken cancellationToken)
        {
            // Validated as sent: what is stored is exactly the string the rules accepted.
            var username = command.Username!;
            var normalized = UserDirectory.NormalizeUsername(username);
            var passwordHash = hasher.Hash(command.Password!);
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await using var connection = await database.OpenAsync(cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                var userCode = NewUserCode();
                try
                {
                    var id = await connection.ExecuteScalarAsync<long>(InsertSql, new
                    {
                        Username = username, Normalized = normalized, Nickname = command.Nickname!.Trim(),
                        PasswordHash = passwordHash, Bio = command.Bio, UserCode = userCode, Now = now,
                    });
                    return new User(id, username, command.Nickname.Trim(), UserStatus.Offline, null, null, command.Bio, userCode, null);
                }
                // The unique index decides, so two simultaneous signups for one name give one account and one 409.
                catch (Exception e) when (database.IsUniqueViolation(e, "ux_users_username") || IsUsernameViolation(e))
                {
                    throw ShootException.Conflict("That username is taken.");
                }
                catch (Exception e) when (attempt < CodeAttempts && database.IsUniqueViolation(e))
                {
                    // 36^8 codes make a collision rare; on one, draw another.
                }
            }
        }

        // SQLite names the column, not the index, in its message.
        private bool IsUsernameViolation(Exception e) => database.IsUniqueViolation(e, "users.username_normalized");

        private static string NewUserCode() => RandomNumberGenerator.GetString(CodeAlphabet, 8);
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/api/v1/auth/signup", async (Command command, ISender sender, CancellationToken ct) =>
                    ApiResults.Created(await sender.Send(command, ct)))
                .AllowAnonymous()
                .WithTags("Auth")
                .WithSummary("Create an account");
    }
}
