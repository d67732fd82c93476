namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>Protocol versions. The version decides which header escapes are legal.</summary>
public enum StompVersion : byte
{
    V10 = 10,
    V11 = 11,
    V12 = 12,
}

public static class StompVersions
{
    public static string Text(this StompVersion version) => version switch
    {
        StompVersion.V10 => "1.0",
        StompVersion.V11 => "1.1",
        _ => "1.2",
    };

    public static bool TryParse(ReadOnlySpan<char> text, out StompVersion version)
    {
        version = text.Trim() switch
        {
            "1.0" => StompVersion.V10,
            "1.1" => StompVersion.V11,
            "1.2" => StompVersion.V12,
            _ => 0,
        };
        return version != 0;
    }

    /// <summary>Highest version named in an <c>accept-version</c> header; a CONNECT without one speaks 1.0.</summary>
    public static StompVersion? Negotiate(string? acceptVersion)
    {
        if (acceptVersion is null) return StompVersion.V10;
        StompVersion? best = null;
        foreach (var range in acceptVersion.AsSpan().Split(','))
        {
            if (TryParse(acceptVersion.AsSpan()[range], out var v) && (best is null || v > best)) best = v;
        }
        return best;
    }
}
