using System.Text;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Auth;

/// <summary>Token settings (docs/api.md §2: HS256, access 1 hour, refresh 30 days).</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public const int MinimumKeyBytes = 32;

    /// <summary>HS256 key, at least 32 bytes of UTF-8. Required when any server adapter is configured (all instances must share it); embedded mode generates one into the data directory.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "shoot";
    public string Audience { get; set; } = "shoot";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);
}

public sealed class JwtOptionsValidator(IOptions<ConnectionStringsOptions> connections) : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            if (connections.Value.AnyServer)
                failures.Add("Jwt:SigningKey is required when a server adapter is configured (ConnectionStrings:*): every instance must sign and check tokens with the same key.");
        }
        else if (Encoding.UTF8.GetByteCount(options.SigningKey) < JwtOptions.MinimumKeyBytes)
        {
            failures.Add($"Jwt:SigningKey must be at least {JwtOptions.MinimumKeyBytes} bytes long.");
        }
        if (options.AccessTokenLifetime <= TimeSpan.Zero)
            failures.Add("Jwt:AccessTokenLifetime must be positive.");
        if (options.RefreshTokenLifetime <= options.AccessTokenLifetime)
            failures.Add("Jwt:RefreshTokenLifetime must be longer than Jwt:AccessTokenLifetime.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
