using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Auth;

/// <summary>The caller's identity comes from the token's <c>sub</c> and nowhere else.</summary>
public static class ClaimsPrincipalExtensions
{
    public static bool TryGetUserId(this ClaimsPrincipal principal, out long userId)
    {
        var sub = principal.FindFirstValue(JwtRegisteredClaimNames.Sub);
        return long.TryParse(sub, NumberStyles.None, CultureInfo.InvariantCulture, out userId) && userId > 0;
    }

    /// <summary>The token's <c>gen</c> claim; tokens issued before generations existed carry none and count as 0.</summary>
    public static long TokenGeneration(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(JwtTokenService.GenerationClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            ? generation
            : 0;

    /// <summary>When the token expires (its <c>exp</c> claim), or null when it carries none.</summary>
    public static DateTimeOffset? TokenExpiry(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Exp), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static long UserId(this ClaimsPrincipal principal) =>
        principal.TryGetUserId(out var userId) ? userId : throw ShootException.Unauthorized("A valid access token is required.");
}
