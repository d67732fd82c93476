using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Shoot.Infrastructure.Security;

/// <summary>
/// The one place message text is encrypted and decrypted for storage (docs/security.md, "Encryption at rest"). A
/// protected text is the envelope <c>enc:v1:{keyId}:{base64(nonce | ciphertext | tag)}</c>: AES-256-GCM, a random
/// 96-bit nonce per text, a 128-bit tag. The associated data binds the key id and a context (the message id, or the
/// owner of a schedule), so an envelope copied onto another record, or relabelled with another key id, is refused
/// instead of decrypting there.
/// Off (no keys): <see cref="Protect"/> and <see cref="Unprotect"/> return the text unchanged, so what is stored is
/// byte for byte what it was before this existed. On: texts without the envelope prefix are read as they are (written
/// before encryption was turned on).
/// </summary>
public sealed class MessageTextCodec
{
    public const int KeyBytes = 32;
    public const string Prefix = "enc:v1:";

    /// <summary>What a reader gets in place of a text that cannot be decrypted (unknown key id, tampered or malformed envelope).</summary>
    public const string UnreadablePlaceholder = "[This message cannot be read: it was encrypted with a key this server does not have.]";

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Dictionary<string, byte[]> _keys;
    private readonly string? _currentKeyId;

    public static MessageTextCodec Off { get; } = new(new EncryptionOptions());

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the setting when the options are not usable.</summary>
    public MessageTextCodec(EncryptionOptions options)
    {
        var problems = options.Problems();
        if (problems.Count > 0)
            throw new OptionsValidationException(EncryptionOptions.Section, typeof(EncryptionOptions), problems);
        _keys = options.Keys.ToDictionary(pair => pair.Key, pair => Convert.FromBase64String(pair.Value.Trim()), StringComparer.Ordinal);
        _currentKeyId = options.Enabled ? options.CurrentKeyId : null;
    }

    public bool Enabled => _currentKeyId is not null;

    /// <summary>The text as it is to be stored: the envelope under the current key, or the text itself when off. An empty text stays empty.</summary>
    public string Protect(string text, string context)
    {
        if (_currentKeyId is null || text.Length == 0)
            return text;
        var plain = Encoding.UTF8.GetBytes(text);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_keys[_currentKeyId], TagBytes))
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), AssociatedData(_currentKeyId, context));
        return $"{Prefix}{_currentKeyId}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>The text of a stored value; throws <see cref="UnreadableTextException"/> when it cannot be decrypted.</summary>
    public string Unprotect(string stored, string context) =>
        TryUnprotect(stored, context, out var text, out var failure) ? text : throw failure;

    /// <summary>
    /// The text of a stored value: false (and why) for an envelope under a key id this server does not have, one whose
    /// tag does not verify (changed, relabelled or moved from another record) or one that is not well formed.
    /// </summary>
    public bool TryUnprotect(string stored, string context, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out UnreadableTextException? failure)
    {
        failure = null;
        text = stored;
        if (_currentKeyId is null || !stored.StartsWith(Prefix, StringComparison.Ordinal))
            return true;
        text = null;
        var rest = stored.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0)
        {
            failure = new UnreadableTextException(null, "the envelope has no key id");
            return false;
        }
        var keyId = rest[..colon].ToString();
        if (!_keys.TryGetValue(keyId, out var key))
        {
            failure = new UnreadableTextException(keyId, $"unknown key id '{keyId}'");
            return false;
        }
        var sealedBytes = new byte[rest.Length];
        if (!Convert.TryFromBase64Chars(rest[(colon + 1)..], sealedBytes, out var length) || length < NonceBytes + TagBytes)
        {
            failure = new UnreadableTextException(keyId, "the envelope is not well formed");
            return false;
        }
        var cipherLength = length - NonceBytes - TagBytes;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, cipherLength),
                sealedBytes.AsSpan(NonceBytes + cipherLength, TagBytes), plain, AssociatedData(keyId, context));
        }
        catch (AuthenticationTagMismatchException)
        {
            failure = new UnreadableTextException(keyId, "the tag does not verify (changed, or written for another record)");
            return false;
        }
        text = Encoding.UTF8.GetString(plain);
        return true;
    }

    private static byte[] AssociatedData(string keyId, string context) => Encoding.UTF8.GetBytes($"{Prefix}{keyId}\n{context}");
}

/// <summary>A stored text that cannot be decrypted. The message names the key id and the reason, never key material or text.</summary>
public sealed class UnreadableTextException(string? keyId, string reason) : Exception($"Encrypted text cannot be read: {reason}.")
{
    public string? KeyId { get; } = keyId;
    public string Reason { get; } = reason;
}
