using System.Net;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using StackExchange.Redis;

namespace Shoot.Tests.Features.Friends;

/// <summary>The friends suite on the embedded backend: SQLite in the host's own fresh data directory.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteFriendsTests(ClassHost host) : FriendsTests(host), IClassFixture<ClassHost>
{
    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());
}

/// <summary>The friends suite on PostgreSQL: a new database on the run's shared throwaway server.</summary>
[Trait("Category", "Integration")]
public sealed class PostgresFriendsTests(SharedPostgres postgres, ClassHost host) : FriendsTests(host), IClassFixture<ClassHost>, IClassFixture<SharedPostgres>
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync());
}

/// <summary>
/// The friends suite on the scale-out adapters: PostgreSQL, and Redis for the recommendation cache (so the cache tests
/// cover the Redis adapter's entries and version counters).
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresRedisFriendsTests(SharedPostgres postgres, RedisServerFixture redis, ClassHost host)
    : FriendsTests(host), IClassFixture<ClassHost>, IClassFixture<SharedPostgres>, IClassFixture<RedisServerFixture>
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        new Dictionary<string, string?>(ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync()))
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
        };

    [Fact]
    public async Task Recommendations_and_their_versions_live_in_redis()
    {
        var u = await Api.SignUpManyAsync(3);
        await MakeFriendsAsync(u[0], u[1]);
        await MakeFriendsAsync(u[1], u[2]);

        await Api.CallAsync(HttpMethod.Get, "/api/v1/users/recommendations", u[0], null, HttpStatusCode.OK);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        Assert.NotEmpty(server.Keys(pattern: $"shoot:cache:friend-recs:{u[0].Id}:*").ToList());
        Assert.True((long)await connection.GetDatabase().StringGetAsync("shoot:cache-version:friend-graph") >= 2);
    }
}
