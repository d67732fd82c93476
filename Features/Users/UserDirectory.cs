using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary>
/// The user reads many slices share (by id, by username, by code). Writes stay in their slices. A deleted account is
/// found by none of them: to everyone it is a user that does not exist (404).
/// </summary>
public sealed class UserDirectory(ISqlDatabase database)
{
    public async Task<UserRow?> FindByIdAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"SELECT {UserRow.Columns} FROM users WHERE id = @userId AND deleted_at IS NULL", new { userId });
    }

    public async Task<UserRow> GetByIdAsync(long userId, CancellationToken ct = default) =>
        await FindByIdAsync(userId, ct) ?? throw ShootException.NotFound("The user");

    public async Task<UserRow?> FindByUsernameAsync(string username, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"SELECT {UserRow.Columns} FROM users WHERE username_normalized = @normalized AND deleted_at IS NULL",
            new { normalized = NormalizeUsername(username) });
    }

    public async Task<UserRow?> FindByUserCodeAsync(string userCode, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"SELECT {UserRow.Columns} FROM users WHERE user_code = @code AND deleted_at IS NULL", new { code = userCode.Trim().ToUpperInvariant() });
    }

    /// <summary>Usernames are unique regardless of case: "Alice" and "alice" are one account.</summary>
    public static string NormalizeUsername(string username) => username.Trim().ToLowerInvariant();
}
