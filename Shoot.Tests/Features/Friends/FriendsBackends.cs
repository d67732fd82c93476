using System.Net;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using StackExchange.Redis;

namespace Shoot.Tests.Features.Friends;

/// <summary>The friends suite on the embedded backend: SQLite in the host's own fresh data directory.</summary>
public sealed class SqliteFriendsTests(ApiHost host) : FriendsTests(host), IClassFixture<ApiHost>
{
    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());
}

/// <summary>The friends suite on PostgreSQL: a new database on the shared throwaway server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFriendsTests(PostgresServerFixture postgres, ApiHost host) : FriendsTests(host), IClassFixture<ApiHost>
{
    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        ShootAppFactory.PostgresSettings(await postgres.CreateDatabaseAsync());
}

/// <summary>
/// The friends suite on the scale-out adapters: PostgreSQL, and Redis for the recommendation cache (so the cache tests
/// cover the Redis adapter's entries and version counters).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRedisFriendsTests(PostgresServerFixture postgres, RedisServerFixture redis, ApiHost host)
    : FriendsTests(host), IClassFixture<ApiHost>, IClassFixture<RedisServerFixture>
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
