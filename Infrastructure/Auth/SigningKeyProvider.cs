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
        var bytes = string.IsNullOrEmpty(configured)
            ? LoadOrCreate(Path.Combine(shoot.Value.ResolveDataDirectory(), KeyFileName))
            : Encoding.UTF8.GetBytes(configured);
        Key = new SymmetricSecurityKey(bytes);
    }

    public SymmetricSecurityKey Key { get; }

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
