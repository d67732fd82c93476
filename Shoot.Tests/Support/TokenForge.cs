using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Shoot.Infrastructure.Auth;

namespace Shoot.Tests.Support;

/// <summary>Builds hostile tokens (expired, tampered, alg:none, wrong key, wrong algorithm) with the server's real key.</summary>
public sealed class TokenForge(ShootAppFactory factory)
{
    private SymmetricSecurityKey Key => factory.Services.GetRequiredService<SigningKeyProvider>().Key;

    public string Create(long userId, DateTime expires, string algorithm = SecurityAlgorithms.HmacSha256, SecurityKey? key = null,
        DateTime? notBefore = null, long? generation = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "shoot",
            Audience = "shoot",
            IssuedAt = (notBefore ?? expires.AddHours(-1)),
            NotBefore = notBefore ?? expires.AddHours(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key ?? Key, algorithm),
            Claims = generation is { } gen
                ? new Dictionary<string, object> { ["sub"] = userId.ToString(), ["username"] = "forged", ["gen"] = gen }
                : new Dictionary<string, object> { ["sub"] = userId.ToString(), ["username"] = "forged" },
        });

    public string Valid(long userId) => Create(userId, DateTime.UtcNow.AddMinutes(10));

    public string Expired(long userId) => Create(userId, DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddHours(-2));

    public string SignedWithOtherKey(long userId) =>
        Create(userId, DateTime.UtcNow.AddMinutes(10), key: new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-key-that-is-long-enough-0123456789")));

    /// <summary>A token whose payload was edited after signing (a different <c>sub</c>), keeping the old signature.</summary>
    public string Tampered(long userId, long otherUserId)
    {
        var parts = Valid(userId).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace($"\"sub\":\"{userId}\"", $"\"sub\":\"{otherUserId}\"");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    /// <summary>The classic <c>alg: none</c> attack: an unsigned token with a valid-looking payload.</summary>
    public static string Unsigned(long userId)
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var payload = Base64UrlEncoder.Encode($$"""{"sub":"{{userId}}","username":"x","iss":"shoot","aud":"shoot","exp":{{exp}}}""");
        return $"{header}.{payload}.";
    }
}
