using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Security;

namespace Shoot.Tests.Infrastructure.Security;

/// <summary>The encryption-at-rest codec: envelope, rotation, and every way a stored text can fail to open.</summary>
[Trait("Category", "Unit")]
public sealed class MessageTextCodecTests
{
    internal static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    internal static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    internal static MessageTextCodec Codec(string current, params (string Id, string Key)[] keys) => new(new EncryptionOptions
    {
        Keys = keys.ToDictionary(k => k.Id, k => k.Key),
        CurrentKeyId = current,
    });

    private static readonly MessageTextCodec OnA = Codec("a", ("a", KeyA));

    [Theory]
    [InlineData("hello")]
    [InlineData("☕ émoji 😂 and \n new lines\t")]
    [InlineData("enc:v1:a:looks-like-an-envelope")]
    public void A_text_round_trips_through_its_envelope_which_does_not_contain_it(string text)
    {
        var stored = OnA.Protect(text, "m1");

        Assert.StartsWith("enc:v1:a:", stored);
        Assert.DoesNotContain(text, stored);
        Assert.Equal(text, OnA.Unprotect(stored, "m1"));
    }

    [Fact]
    public void Each_sealing_has_its_own_nonce_and_a_96_bit_nonce_and_128_bit_tag()
    {
        var first = OnA.Protect("same", "m1");
        var second = OnA.Protect("same", "m1");

        Assert.NotEqual(first, second);
        var bytes = Convert.FromBase64String(first["enc:v1:a:".Length..]);
        Assert.Equal(12 + Encoding.UTF8.GetByteCount("same") + 16, bytes.Length);
    }

    [Fact]
    public void Off_changes_nothing_either_way()
    {
        Assert.False(MessageTextCodec.Off.Enabled);
        Assert.Equal("hello", MessageTextCodec.Off.Protect("hello", "m1"));
        var sealedByA = OnA.Protect("hello", "m1");
        Assert.Equal(sealedByA, MessageTextCodec.Off.Unprotect(sealedByA, "m1"));
    }

    [Fact]
    public void Empty_text_and_text_stored_before_encryption_was_on_are_read_as_they_are()
    {
        Assert.Equal("", OnA.Protect("", "m1"));
        Assert.Equal("plain from before", OnA.Unprotect("plain from before", "m1"));
    }

    [Fact]
    public void Rotation_new_texts_use_the_current_key_and_old_key_ids_keep_decrypting()
    {
        var underA = OnA.Protect("written under a", "m1");
        var rotated = Codec("b", ("a", KeyA), ("b", KeyB));

        var underB = rotated.Protect("written under b", "m2");

        Assert.StartsWith("enc:v1:b:", underB);
        Assert.Equal("written under a", rotated.Unprotect(underA, "m1"));
        Assert.Equal("written under b", rotated.Unprotect(underB, "m2"));
    }

    [Fact]
    public void A_key_id_no_longer_configured_is_refused_naming_it()
    {
        var underA = OnA.Protect("secret", "m1");
        var onlyB = Codec("b", ("b", KeyB));

        Assert.False(onlyB.TryUnprotect(underA, "m1", out _, out var failure));
        Assert.Equal("a", failure.KeyId);
        Assert.Contains("unknown key id 'a'", failure.Message);
        Assert.DoesNotContain("secret", failure.Message);
        Assert.Throws<UnreadableTextException>(() => onlyB.Unprotect(underA, "m1"));
    }

    [Fact]
    public void A_changed_byte_anywhere_in_the_sealed_part_is_refused()
    {
        var stored = OnA.Protect("pay 10 euros", "m1");
        var bytes = Convert.FromBase64String(stored["enc:v1:a:".Length..]);
        for (var i = 0; i < bytes.Length; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            Assert.False(OnA.TryUnprotect("enc:v1:a:" + Convert.ToBase64String(tampered), "m1", out _, out var failure), $"byte {i}");
            Assert.Contains("does not verify", failure.Reason);
        }
    }

    [Fact]
    public void An_envelope_moved_to_another_record_or_relabelled_with_another_key_id_is_refused()
    {
        var both = Codec("a", ("a", KeyA), ("b", KeyA));
        var stored = both.Protect("mine", "m1");

        Assert.False(both.TryUnprotect(stored, "m2", out _, out _));
        Assert.False(both.TryUnprotect("enc:v1:b:" + stored["enc:v1:a:".Length..], "m1", out _, out _));
    }

    [Theory]
    [InlineData("enc:v1:")]
    [InlineData("enc:v1:a")]
    [InlineData("enc:v1:a:not base64!")]
    [InlineData("enc:v1:a:AAAA")]
    public void A_malformed_envelope_is_refused_not_thrown(string stored)
    {
        Assert.False(OnA.TryUnprotect(stored, "m1", out _, out var failure));
        Assert.NotNull(failure);
    }

    public static TheoryData<Dictionary<string, string>, string?, string> BadOptions => new()
    {
        { new() { ["a"] = Convert.ToBase64String(new byte[16]) }, "a", "Shoot:Encryption:Keys:a must be the base64 of exactly 32 bytes" },
        { new() { ["a"] = "not base64" }, "a", "Shoot:Encryption:Keys:a must be" },
        { new() { ["a"] = KeyA }, null, "Shoot:Encryption:CurrentKeyId is missing" },
        { new() { ["a"] = KeyA }, "b", "Shoot:Encryption:CurrentKeyId 'b' is not one of Shoot:Encryption:Keys" },
        { new(), "a", "Shoot:Encryption:Keys is empty" },
        { new() { ["a:b"] = KeyA }, "a:b", "a key id is 1–32 of" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Unusable_settings_are_refused_naming_the_setting(Dictionary<string, string> keys, string? current, string expected)
    {
        var options = new EncryptionOptions { Keys = keys, CurrentKeyId = current };

        Assert.Contains(options.Problems(), p => p.Contains(expected, StringComparison.Ordinal));
        var refused = Assert.Throws<OptionsValidationException>(() => new MessageTextCodec(options));
        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public void No_settings_is_off_and_fine()
    {
        Assert.Empty(new EncryptionOptions().Problems());
        Assert.False(new MessageTextCodec(new EncryptionOptions()).Enabled);
        Assert.True(OnA.Enabled);
    }
}
