namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>
/// A decoded frame. Headers keep wire order and duplicates, because STOMP 1.2 says the first occurrence of a
/// repeated header wins and later ones must be ignored (not merged).
/// </summary>
public sealed class StompFrame(StompCommand command, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
{
    public StompFrame(StompCommand command, params KeyValuePair<string, string>[] headers)
        : this(command, headers, ReadOnlyMemory<byte>.Empty)
    {
    }

    public StompCommand Command { get; } = command;

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;

    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>The first value of the header, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var header in Headers)
            {
                if (string.Equals(header.Key, name, StringComparison.Ordinal)) return header.Value;
            }
            return null;
        }
    }
}
