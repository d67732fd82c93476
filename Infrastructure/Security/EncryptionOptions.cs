using System.Text.RegularExpressions;

namespace Shoot.Infrastructure.Security;

/// <summary>
/// Encryption at rest of message text (<c>Shoot:Encryption</c>). Off while <see cref="Keys"/> is empty: texts are then
/// stored exactly as sent. With keys, new texts are written under <see cref="CurrentKeyId"/> and every listed key keeps
/// decrypting what was written under it, so a key is rotated by adding a new one, making it current, and keeping the
/// old one for as long as anything written under it is kept.
/// </summary>
public sealed partial class EncryptionOptions
{
    public const string Section = "Shoot:Encryption";

    /// <summary>Key id → base64 of a 256-bit (32-byte) AES key. Ids: 1–32 of <c>A–Z a–z 0–9 _ -</c> (the id is written into each envelope).</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>The key new texts are encrypted with; must be one of <see cref="Keys"/>.</summary>
    public string? CurrentKeyId { get; set; }

    public bool Enabled => Keys.Count > 0 || !string.IsNullOrEmpty(CurrentKeyId);

    /// <summary>Every problem with the settings, each naming the setting; empty when they are usable (or off).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enabled)
            return problems;
        if (Keys.Count == 0)
            problems.Add($"{Section}:CurrentKeyId is set but {Section}:Keys is empty: list the key (id → base64 of 32 bytes).");
        foreach (var (id, value) in Keys)
        {
            if (!KeyIdPattern().IsMatch(id))
                problems.Add($"{Section}:Keys:{id}: a key id is 1–32 of A–Z a–z 0–9 _ -.");
            if (!IsKey(value))
                problems.Add($"{Section}:Keys:{id} must be the base64 of exactly 32 bytes (a 256-bit key), e.g. `openssl rand -base64 32`.");
        }
        if (string.IsNullOrEmpty(CurrentKeyId))
            problems.Add($"{Section}:CurrentKeyId is missing: name the key of {Section}:Keys that new texts are encrypted with.");
        else if (Keys.Count > 0 && !Keys.ContainsKey(CurrentKeyId))
            problems.Add($"{Section}:CurrentKeyId '{CurrentKeyId}' is not one of {Section}:Keys ({string.Join(", ", Keys.Keys)}).");
        return problems;
    }

    private static bool IsKey(string? value)
    {
        Span<byte> buffer = stackalloc byte[48];
        return !string.IsNullOrWhiteSpace(value) && Convert.TryFromBase64String(value.Trim(), buffer, out var length) && length == MessageTextCodec.KeyBytes;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,32}\z")]
    private static partial Regex KeyIdPattern();
}
