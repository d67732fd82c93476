namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>Who a STOMP session belongs to. The session closes itself at <see cref="ExpiresAt"/>.</summary>
public sealed record StompPrincipal(string UserId, string? UserName, DateTimeOffset? ExpiresAt);

internal static class StompBearerToken
{
    /// <summary>The token of an <c>Authorization: Bearer …</c> value, or null.</summary>
    public static string? From(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
}

/// <summary>
/// Port that turns a bearer token into a principal. The token comes from CONNECT's <c>Authorization: Bearer …</c>
/// header or, failing that, from the WebSocket handshake (<c>?token=</c> or its Authorization header).
/// </summary>
public interface IStompAuthenticator
{
    /// <returns>The principal, or null when the token is not valid (bad signature, expired, malformed).</returns>
    ValueTask<StompPrincipal?> AuthenticateAsync(string token, CancellationToken cancellationToken);
}
