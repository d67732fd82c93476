using System.Globalization;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Infrastructure.Auth;

/// <summary>STOMP sessions are authenticated exactly like REST requests: the same key, issuer, audience, algorithm and lifetime checks.</summary>
public sealed class JwtStompAuthenticator(JwtTokenService tokens) : IStompAuthenticator
{
    public async ValueTask<StompPrincipal?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var user = await tokens.ValidateAsync(token);
        return user is null
            ? null
            : new StompPrincipal(user.UserId.ToString(CultureInfo.InvariantCulture), user.Username, user.ExpiresAt);
    }
}
