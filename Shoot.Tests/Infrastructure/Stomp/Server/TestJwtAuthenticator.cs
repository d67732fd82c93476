using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>
/// A small but real HS256 validator for the STOMP auth port (the production JWT adapter lives in Infrastructure/Auth):
/// signature, issuer, audience and lifetime are all checked, with no clock skew so expiry tests are exact.
/// </summary>
internal sealed class TestJwtAuthenticator : IStompAuthenticator
{
    private const string Issuer = "shoot-tests";
    private const string Audience = "shoot";
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SymmetricSecurityKey _key = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string Issue(string userId, TimeSpan? lifetime = null, SymmetricSecurityKey? signWith = null)
    {
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("name", "user " + userId)]),
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-1),
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(signWith ?? _key, SecurityAlgorithms.HmacSha256),
        });
    }

    public string IssueWithForeignKey(string userId) =>
        Issue(userId, signWith: new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

    public async ValueTask<StompPrincipal?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.Zero,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        return new StompPrincipal(jwt.Subject, jwt.TryGetClaim("name", out var name) ? name.Value : null, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }
}
