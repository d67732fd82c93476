using Shoot.Features.Auth;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Auth;

/// <summary>The field rules of sign-up, login and refresh (docs/api.md §2), without a host.</summary>
[Trait("Category", "Unit")]
public sealed class AuthValidatorTests
{
    private static SignUp.Command Valid => new("alice_1", "Alice", "secret123", "hi");

    [Fact]
    public void A_valid_sign_up_passes() => Assert.Empty(Refused(new SignUp.Validator(), Valid));

    [Theory]
    [InlineData("al", "Username")]
    [InlineData("alice-1", "Username")]
    [InlineData("abcdefghijklmnopqrstu", "Username")]
    public void A_bad_username_is_refused_by_name(string username, string field) =>
        Assert.Equal([field], Refused(new SignUp.Validator(), Valid with { Username = username }));

    [Theory]
    [InlineData("short1")]
    [InlineData("onlyletters")]
    [InlineData("12345678")]
    public void A_weak_password_is_refused(string password) =>
        Assert.Equal(["Password"], Refused(new SignUp.Validator(), Valid with { Password = password }));

    [Fact]
    public void A_password_is_measured_in_bytes_and_nicknames_and_bios_in_characters()
    {
        // 24 three-byte characters and "a1": 26 characters, 74 bytes — past bcrypt's 72.
        Assert.Equal(["Password"], Refused(new SignUp.Validator(), Valid with { Password = "a1" + new string('한', 24) }));
        Assert.Equal(["Nickname"], Refused(new SignUp.Validator(), Valid with { Nickname = "   " }));
        Assert.Equal(["Nickname"], Refused(new SignUp.Validator(), Valid with { Nickname = new string('n', 31) }));
        Assert.Empty(Refused(new SignUp.Validator(), Valid with { Bio = new string('b', 200) }));
        Assert.Equal(["Bio"], Refused(new SignUp.Validator(), Valid with { Bio = new string('b', 201) }));
    }

    [Fact]
    public void Login_and_refresh_need_their_fields()
    {
        Assert.Equal(["Username", "Password"], Refused(new Login.Validator(), new Login.Command("", "")));
        Assert.Empty(Refused(new Login.Validator(), new Login.Command("alice", "x")));
        Assert.Equal(["RefreshToken"], Refused(new RefreshToken.Validator(), new RefreshToken.Command("")));
        Assert.Equal(["RefreshToken"], Refused(new RefreshToken.Validator(), new RefreshToken.Command(new string('t', 201))));
    }
}
