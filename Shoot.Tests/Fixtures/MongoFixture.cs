using MongoDB.Bson;
using MongoDB.Driver;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// MongoDB cannot be installed on our machines, so Mongo tests run against the server that
/// <c>SHOOT_TEST_MONGO</c> (a connection string) names, and are reported as skipped when it is unset.
/// Tests must start with <see cref="SkipIfUnavailable"/> and be <c>[SkippableFact]</c>/<c>[SkippableTheory]</c>.
/// Each fixture instance has its own database, dropped on dispose; a configured but unreachable server fails.
/// </summary>
public sealed class MongoFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "SHOOT_TEST_MONGO";
    public const string SkipReason = $"{EnvironmentVariable} is not set: no MongoDB server to test against.";

    private readonly List<string> _databaseNames = [];
    private MongoClient? _client;

    public MongoFixture()
    {
        ConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;
        DatabaseName = NewDatabaseName();
    }

    public bool IsAvailable => ConnectionString is not null;

    public string? ConnectionString { get; }

    /// <summary>This fixture's own database (per test class when used as a class fixture).</summary>
    public string DatabaseName { get; }

    public MongoClient Client => _client ?? throw new InvalidOperationException(SkipReason);

    public IMongoDatabase Database => Client.GetDatabase(DatabaseName);

    /// <summary>Marks the calling test skipped, with the reason, when no server is configured.</summary>
    public void SkipIfUnavailable() => Skip.IfNot(IsAvailable, SkipReason);

    /// <summary>Another fresh database, dropped with the fixture.</summary>
    public IMongoDatabase CreateDatabase() => Client.GetDatabase(NewDatabaseName());

    public async Task InitializeAsync()
    {
        if (ConnectionString is null)
        {
            return;
        }

        var settings = MongoClientSettings.FromConnectionString(ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        _client = new MongoClient(settings);
        await _client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
    }

    public async Task DisposeAsync()
    {
        if (_client is null)
        {
            return;
        }

        foreach (var name in _databaseNames)
        {
            await _client.DropDatabaseAsync(name);
        }

        _client.Dispose();
    }

    private string NewDatabaseName()
    {
        var name = $"shoot_test_{Guid.NewGuid():N}";
        lock (_databaseNames)
        {
            _databaseNames.Add(name);
        }

        return name;
    }
}
