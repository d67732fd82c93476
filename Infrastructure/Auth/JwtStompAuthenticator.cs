using System.Globalization;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Auth;

/// <summary>STOMP sessions are authenticated exactly like REST requests: the same key, issuer, audience, algorithm and lifetime checks, and the account must still be current.</summary>
public sealed class JwtStompAuthenticator(JwtTokenService tokens, IAccessTokenState state) : IStompAuthenticator
{
    public async ValueTask<StompPrincipal?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var user = await tokens.ValidateAsync(token);
        return user is null || !await state.IsCurrentAsync(user.UserId, user.Generation, cancellationToken)
            ? null
            : new StompPrincipal(user.UserId.ToString(CultureInfo.InvariantCulture), user.Username, user.ExpiresAt);
    }
}
