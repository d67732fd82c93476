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

    public static long UserId(this ClaimsPrincipal principal) =>
        principal.TryGetUserId(out var userId) ? userId : throw ShootException.Unauthorized("A valid access token is required.");
}
