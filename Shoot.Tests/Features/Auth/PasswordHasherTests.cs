using Shoot.Features.Auth;

namespace Shoot.Tests.Features.Auth;

/// <summary>The hasher the server registers: bcrypt at work factor 11 (the test hosts use a lower one to save CPU).</summary>
[Trait("Category", "Unit")]
public sealed class PasswordHasherTests
{
    [Fact]
    public void The_server_hashes_with_bcrypt_at_work_factor_eleven()
    {
        var hasher = new PasswordHasher();
        var hash = hasher.Hash("passw0rd1");

        Assert.StartsWith("$2a$11$", hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify("passw0rd1", hash));
        Assert.False(hasher.Verify("passw0rd2", hash));
    }

    [Fact]
    public void An_unknown_user_is_verified_against_a_dummy_hash_and_refused()
    {
        Assert.False(new PasswordHasher(workFactor: 4).Verify("passw0rd1", null));
    }
}
