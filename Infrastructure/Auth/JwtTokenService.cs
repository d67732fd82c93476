using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Shoot.Infrastructure.Auth;

/// <summary>Issues and checks access tokens. REST (JwtBearer), STOMP and SSE all validate with <see cref="ValidationParameters"/>.</summary>
public sealed class JwtTokenService
{
    public const string UsernameClaim = "username";

    /// <summary>The user's token generation when the token was issued (<see cref="IAccessTokenState"/>); absent means 0.</summary>
    public const string GenerationClaim = "gen";
    private readonly JwtOptions _options;
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SigningCredentials _credentials;

    public JwtTokenService(SigningKeyProvider keys, IOptions<JwtOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _credentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256);
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = keys.Key,
            // Only HS256: refuses alg:none and algorithm-confusion tokens outright.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = UsernameClaim,
        };
    }

    public TokenValidationParameters ValidationParameters { get; }

    public IssuedToken CreateAccessToken(long userId, string username, long generation)
    {
        var now = _clock.GetUtcNow();
        var expires = now + _options.AccessTokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [UsernameClaim] = username,
                [GenerationClaim] = generation,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return new IssuedToken(token, expires);
    }

    /// <summary>Validates a bearer token outside the HTTP pipeline (STOMP CONNECT, SSE); null when it is not valid.</summary>
    public async Task<AuthenticatedUser?> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 8192)
            return null;
        var result = await _handler.ValidateTokenAsync(token, ValidationParameters);
        if (!result.IsValid)
            return null;
        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        return principal.TryGetUserId(out var userId)
            ? new AuthenticatedUser(userId, principal.FindFirstValue(UsernameClaim) ?? "", new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero),
                principal.TokenGeneration())
            : null;
    }
}

public readonly record struct IssuedToken(string Token, DateTimeOffset ExpiresAt);

public sealed record AuthenticatedUser(long UserId, string Username, DateTimeOffset ExpiresAt, long Generation);
