namespace Shoot.Features.Auth;

/// <summary>bcrypt, work factor 11 (about 0.1 s per hash on a modern core: slow for guessers, cheap enough for logins).</summary>
public sealed class PasswordHasher
{
    public const int DefaultWorkFactor = 11;

    private readonly int _workFactor;

    // Verifying against a real hash when the user does not exist keeps "no such user" as slow as "wrong password",
    // so response times do not reveal which usernames exist.
    private readonly string _dummyHash;

    public PasswordHasher() : this(DefaultWorkFactor)
    {
    }

    /// <summary>Only the test hosts pass a lower factor (their thousands of sign-ups would otherwise be most of the suite's CPU); nothing configures it.</summary>
    public PasswordHasher(int workFactor)
    {
        _workFactor = workFactor;
        _dummyHash = BCrypt.Net.BCrypt.HashPassword("not-a-real-password-0", workFactor);
    }

    public string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, _workFactor);

    public bool Verify(string password, string? hash)
    {
        if (hash is null)
        {
            BCrypt.Net.BCrypt.Verify(password, _dummyHash);
            return false;
        }
        return BCrypt.Net.BCrypt.Verify(password, hash);
    }
}
