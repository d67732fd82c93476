using Dapper;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary>
/// The users table answers whether a token is still good: one primary-key read per authentication (a REST request, an
/// SSE stream, a STOMP CONNECT — not per STOMP frame). It lives in the shared database, so an account deleted on one
/// instance is refused by every instance from the next request on.
/// </summary>
public sealed class AccessTokenState(ISqlDatabase database) : IAccessTokenState
{
    private const string GenerationSql = "SELECT token_generation FROM users WHERE id = @userId AND deleted_at IS NULL";

    public async ValueTask<bool> IsCurrentAsync(long userId, long generation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var current = await connection.QuerySingleOrDefaultAsync<long?>(
            new CommandDefinition(GenerationSql, new { userId }, cancellationToken: cancellationToken));
        return current == generation;
    }
}
