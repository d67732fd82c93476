using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shoot.Features.Auth;
using Shoot.Infrastructure.Web;

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

    private readonly bool _kestrel;

    /// <param name="settings">Configuration on top of the test defaults.</param>
    /// <param name="kestrel">Serve on a real loopback port (WebSocket clients need one) instead of the in-memory test server.</param>
    public ShootAppFactory(IReadOnlyDictionary<string, string?>? settings = null, bool kestrel = false)
    {
        _kestrel = kestrel;
        if (kestrel)
            UseKestrel();
        DataDirectory = Directory.CreateTempSubdirectory("shoot-test-").FullName;
        var merged = new Dictionary<string, string?>
        {
            ["Shoot:DataDirectory"] = DataDirectory,
            // Every test request comes from one address; the per-IP limit has its own test with a low value.
            ["Shoot:Limits:AuthRequestsPerMinutePerIp"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            // Failed logins and refused connections are expected in many suites; the security events' own test turns them on.
            ["Logging:LogLevel:Shoot.Security"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            merged[key] = value;
        _settings = merged;
    }

    public string DataDirectory { get; }

    /// <summary>Services added after the host's own (e.g. a <see cref="LogCollector"/> as a logger provider).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>Settings for a fresh PostgreSQL database (and the shared signing key server adapters need).</summary>
    public static Dictionary<string, string?> PostgresSettings(string connectionString) => new()
    {
        ["ConnectionStrings:Postgres"] = connectionString,
        ["Jwt:SigningKey"] = TestSigningKey,
    };

    /// <summary>The real server's base address (kestrel mode only), e.g. http://127.0.0.1:41234/.</summary>
    public Uri ServerAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            return new Uri(addresses.First());
        }
    }

    /// <summary>The STOMP endpoint of the real server (kestrel mode only).</summary>
    public Uri StompUri => new(ServerAddress.ToString().Replace("http://", "ws://") + "ws/chat");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (_kestrel)
            builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        // bcrypt at its lowest work factor: the suite signs up and logs in thousands of users, and at the production
        // factor (11, PasswordHasherTests) hashing was most of its CPU. What is hashed and checked is the same.
        builder.ConfigureTestServices(services => services.AddSingleton(new PasswordHasher(workFactor: 4)));
        if (TestServices is not null)
            builder.ConfigureTestServices(TestServices);
    }

    public ShootClient CreateShootClient() => new(_kestrel ? new HttpClient { BaseAddress = ServerAddress } : CreateClient());

    /// <summary>
    /// The test host's UseKestrel registers Kestrel's services after the application's (and after test services), so
    /// the application's own memory pool factory registration is moved behind them, where it is in the real host
    /// (Kestrel first). Moved, not added: a host that stopped registering it would fail the test that checks it.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        if (_kestrel)
        {
            builder.ConfigureServices(services =>
            {
                var application = services.LastOrDefault(d =>
                    d.ServiceType == typeof(IMemoryPoolFactory<byte>) && d.ImplementationType == typeof(SmallBlockMemoryPoolFactory));
                if (application is null)
                    return;
                services.Remove(application);
                services.Add(application);
            });
        }
        return base.CreateHost(builder);
    }

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
