using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Shoot.Tests.Support;

/// <summary>
/// The real Shoot host in-process, on the backend its settings name. Each factory gets its own temp data directory,
/// so SQLite suites never share a file; PostgreSQL suites pass <c>ConnectionStrings:Postgres</c> of a fresh database.
/// </summary>
public sealed class ShootAppFactory : WebApplicationFactory<Program>
{
    /// <summary>A fixed test key (≥ 32 bytes); server adapters require one.</summary>
    public const string TestSigningKey = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789";

    private readonly IReadOnlyDictionary<string, string?> _settings;

    public ShootAppFactory(IReadOnlyDictionary<string, string?>? settings = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("shoot-test-").FullName;
        var merged = new Dictionary<string, string?>
        {
            ["Shoot:DataDirectory"] = DataDirectory,
            // Every test request comes from one address; the per-IP limit has its own test with a low value.
            ["Shoot:Limits:AuthRequestsPerMinutePerIp"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            merged[key] = value;
        _settings = merged;
    }

    public string DataDirectory { get; }

    /// <summary>Settings for a fresh PostgreSQL database (and the shared signing key server adapters need).</summary>
    public static Dictionary<string, string?> PostgresSettings(string connectionString) => new()
    {
        ["ConnectionStrings:Postgres"] = connectionString,
        ["Jwt:SigningKey"] = TestSigningKey,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
    }

    public ShootClient CreateShootClient() => new(CreateClient());

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A pooled SQLite handle may still hold the file for a moment; the OS temp cleaner takes it.
            }
        }
    }
}
