using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Auth;

/// <summary>
/// Refresh tokens with rotation and reuse detection. Only SHA-256 hashes are stored. Each login starts a family; each
/// refresh marks the presented token used and issues the next one in the family. Presenting a used token again means a
/// copy leaked (or two clients raced), and the whole family is revoked: every session of that login must sign in again.
/// </summary>
public sealed class RefreshTokenStore(
    ISqlDatabase database, JwtTokenService tokens, IOptions<JwtOptions> options, TimeProvider clock, SecurityEvents security)
{
    private const string InvalidToken = "The refresh token is not valid.";

    public async Task<TokenPair> IssueAsync(long userId, string username, long generation, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await IssueAsync(connection, null, new TokenOwner(username, generation), userId, Guid.NewGuid().ToString("N"));
    }

    public async Task<TokenPair> RotateAsync(string refreshToken, CancellationToken ct)
    {
        var hash = Hash(refreshToken);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct);
        var row = await FindAsync(connection, hash) ?? throw ShootException.Unauthorized(InvalidToken);
        if (row.RevokedAt is not null || row.ExpiresAt <= now)
            throw ShootException.Unauthorized(InvalidToken);
        if (row.ReplacedBy is not null)
            throw await RevokeForReuseAsync(connection, row, now);

        // A deleted account's refresh tokens are deleted with it; this also covers a rotation racing the deletion.
        var owner = await connection.QuerySingleOrDefaultAsync<TokenOwner>(
                "SELECT username, token_generation FROM users WHERE id = @UserId AND deleted_at IS NULL", new { row.UserId })
            ?? throw ShootException.Unauthorized(InvalidToken);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var next = NewOpaqueToken();
        // The conditional UPDATE is the arbiter: of two concurrent refreshes with one token, only one can mark it used.
        var marked = await connection.ExecuteAsync(
            "UPDATE refresh_tokens SET replaced_by = @next, used_at = @now WHERE token_hash = @hash AND replaced_by IS NULL AND revoked_at IS NULL",
            new { next = Hash(next), now, hash }, transaction);
        if (marked == 0)
        {
            await transaction.RollbackAsync(ct);
            throw await RevokeForReuseAsync(connection, row, now);
        }
        var pair = await IssueAsync(connection, transaction, owner, row.UserId, row.FamilyId, next);
        await transaction.CommitAsync(ct);
        return pair;
    }

    /// <summary>Logout: revokes the family of a token the caller owns. Unknown tokens and other users' tokens are refused alike.</summary>
    public async Task RevokeAsync(string refreshToken, long callerId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await FindAsync(connection, Hash(refreshToken));
        if (row is null || row.UserId != callerId)
            throw ShootException.Unauthorized(InvalidToken);
        await RevokeFamilyAsync(connection, row.FamilyId, clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private async Task<TokenPair> IssueAsync(DbConnection connection, DbTransaction? transaction,
        TokenOwner owner, long userId, string familyId, string? token = null)
    {
        token ??= NewOpaqueToken();
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at) VALUES (@hash, @userId, @familyId, @expiresAt, @now)",
            new
            {
                hash = Hash(token), userId, familyId,
                expiresAt = (now + options.Value.RefreshTokenLifetime).ToUnixTimeMilliseconds(),
                now = now.ToUnixTimeMilliseconds(),
            }, transaction);
        var access = tokens.CreateAccessToken(userId, owner.Username, owner.TokenGeneration);
        return new TokenPair(userId, access.Token, token, (long)options.Value.AccessTokenLifetime.TotalSeconds);
    }

    private static Task<TokenRow?> FindAsync(DbConnection connection, string hash) =>
        connection.QuerySingleOrDefaultAsync<TokenRow>(
            "SELECT user_id, family_id, expires_at, replaced_by, revoked_at FROM refresh_tokens WHERE token_hash = @hash", new { hash });

    private async Task<ShootException> RevokeForReuseAsync(DbConnection connection, TokenRow row, long now)
    {
        await RevokeFamilyAsync(connection, row.FamilyId, now);
        security.RefreshTokenReuse(row.UserId);
        return ShootException.Unauthorized("This refresh token was already used; the sessions of this login have been signed out.");
    }

    private static Task RevokeFamilyAsync(DbConnection connection, string familyId, long now) =>
        connection.ExecuteAsync("UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @familyId AND revoked_at IS NULL",
            new { now, familyId });

    private static string NewOpaqueToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class TokenOwner
    {
        public TokenOwner()
        {
        }

        public TokenOwner(string username, long tokenGeneration) => (Username, TokenGeneration) = (username, tokenGeneration);

        public string Username { get; set; } = "";
        public long TokenGeneration { get; set; }
    }

    private sealed class TokenRow
    {
        public long UserId { get; set; }
        public string FamilyId { get; set; } = "";
        public long ExpiresAt { get; set; }
        public string? ReplacedBy { get; set; }
        public long? RevokedAt { get; set; }
    }
}

/// <summary>What login and refresh answer (docs/api.md §2); <c>expiresIn</c> is the access token's lifetime in seconds.</summary>
public sealed record TokenPair(long UserId, string AccessToken, string RefreshToken, long ExpiresIn);
