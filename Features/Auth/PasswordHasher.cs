namespace Shoot.Features.Auth;

/// <summary>bcrypt, work factor 11 (about 0.1 s per hash on a modern core: slow for guessers, cheap enough for logins).</summary>
public sealed class PasswordHasher
{
    private const int WorkFactor = 11;

    // Verifying against a real hash when the user does not exist keeps "no such user" as slow as "wrong password",
    // so response times do not reveal which usernames exist.
    private static readonly string DummyHash = BCrypt.Net.BCrypt.HashPassword("not-a-real-password-0", WorkFactor);

    public string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, WorkFactor);

    public bool Verify(string password, string? hash)
    {
        if (hash is null)
        {
            BCrypt.Net.BCrypt.Verify(password, DummyHash);
            return false;
        }
        return BCrypt.Net.BCrypt.Verify(password, hash);
    }
}
