namespace Shoot.Infrastructure.Configuration;

/// <summary>General settings of one Shoot instance.</summary>
public sealed class ShootOptions
{
    public const string Section = "Shoot";

    /// <summary>Where embedded mode keeps its SQLite files (shoot.db, messages.db) and its generated JWT key. Relative paths are relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Take the client address from X-Forwarded-For (set it behind a reverse proxy such as the compose stack's nginx).
    /// Off by default: trusting the header without a proxy in front lets clients dodge per-IP limits.
    /// </summary>
    public bool TrustForwardedHeaders { get; set; }

    /// <summary>
    /// Origins (<c>https://chat.example.com</c>) whose pages may open a WebSocket/SockJS session. Empty (the default):
    /// any origin, since no cookie authenticates a socket — the token does, and a foreign page does not have it. When
    /// set, a browser handshake from any other origin is 403; clients that send no Origin (not browsers) are not affected.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    public string ResolveDataDirectory() => Path.GetFullPath(DataDirectory);
}
