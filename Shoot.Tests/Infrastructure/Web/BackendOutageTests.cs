using Microsoft.Data.Sqlite;
using MongoDB.Driver;
using MongoDB.Driver.Core.Connections;
using Shoot.Infrastructure.Web;
using StackExchange.Redis;

namespace Shoot.Tests.Infrastructure.Web;

/// <summary>Which failures are a backend down (the client is told UNAVAILABLE and retries) and which are not (INTERNAL).</summary>
[Trait("Category", "Unit")]
public sealed class BackendOutageTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "down", null, CommandStatus.Unknown), true },
        { new TimeoutException("A timeout occurred after 30000ms selecting a server"), true },
        { new MongoConnectionException(new ConnectionId(new MongoDB.Driver.Core.Servers.ServerId(
            new MongoDB.Driver.Core.Clusters.ClusterId(), new System.Net.DnsEndPoint("localhost", 27017))), "broken"), true },
        { new AggregateException(new TimeoutException()), true },
        { new SqliteException("SQLite Error 19: 'UNIQUE constraint failed'.", 19), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_is_an_outage_only_when_a_backend_is_unreachable(Exception failure, bool outage) =>
        Assert.Equal(outage, BackendOutage.Is(failure));
}
