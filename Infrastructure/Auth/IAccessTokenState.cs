namespace Shoot.Infrastructure.Auth;

/// <summary>
/// Whether a validly signed access token still speaks for a live account: its user exists, is not deleted, and the
/// token's generation (<see cref="JwtTokenService.GenerationClaim"/>) is the user's current one. Checked on every
/// authentication (REST, SSE, STOMP CONNECT), so a token of a deleted or unknown user is 401 rather than a failure
/// deeper down. The users feature implements it over the shared database, so every instance answers the same.
/// </summary>
public interface IAccessTokenState
{
    ValueTask<bool> IsCurrentAsync(long userId, long generation, CancellationToken cancellationToken);
}
