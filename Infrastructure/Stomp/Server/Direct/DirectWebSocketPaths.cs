namespace Shoot.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The STOMP WebSocket paths the direct path serves: filled by <see cref="StompServiceCollectionExtensions.MapStomp"/>
/// (Kestrel's connection middleware is configured before any endpoint is mapped), read on every new connection.
/// </summary>
internal sealed class DirectWebSocketPaths
{
    private volatile string[] _paths = [];

    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Adds a literal path; a route pattern with parameters stays with the HTTP endpoint alone.</summary>
    public void Add(string pattern)
    {
        if (pattern.StartsWith('/') && !pattern.Contains('{') && !pattern.Contains('*'))
            _paths = [.. _paths, pattern];
    }
}
