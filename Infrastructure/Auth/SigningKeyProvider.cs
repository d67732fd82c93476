using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Auth;

/// <summary>
/// The HS256 key: the configured one, or in embedded mode a random key generated once and kept in the data directory,
/// so tokens survive a restart without the operator having to invent a secret.
/// </summary>
public sealed class SigningKeyProvider
{
    private const string KeyFileName = "jwt-signing-key";

    public SigningKeyProvider(IOptions<JwtOptions> jwt, IOptions<ShootOptions> shoot)
    {
        var configured = jwt.Value.SigningKey;
        if (string.IsNullOrEmpty(configured))
        {
            var path = Path.Combine(shoot.Value.ResolveDataDirectory(), KeyFileName);
            Key = new SymmetricSecurityKey(LoadOrCreate(path));
            Source = $"kept in {path}";
        }
        else
        {
            Key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(configured));
            Source = "from Jwt:SigningKey";
        }
    }

    public SymmetricSecurityKey Key { get; }

    /// <summary>Where the key came from, for the startup log.</summary>
    public string Source { get; }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(64);
        var temporary = path + "." + Guid.NewGuid().ToString("N");
        File.WriteAllText(temporary, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            // Two processes starting at once: the first rename wins and both use its key.
            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException)
        {
            File.Delete(temporary);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
    }
}
