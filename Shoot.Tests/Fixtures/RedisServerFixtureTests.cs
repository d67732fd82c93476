using StackExchange.Redis;

namespace Shoot.Tests.Fixtures;

[Trait("Category", "Integration")]
public sealed class RedisServerFixtureTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Set_then_get_round_trips_through_the_real_server()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var db = connection.GetDatabase();

        await db.StringSetAsync("fixture:greeting", "hello");

        Assert.Equal("hello", (string?)await db.StringGetAsync("fixture:greeting"));
        var info = await connection.GetServer(redis.ConnectionString).InfoAsync("server");
        Assert.Contains(info.SelectMany(group => group), pair => pair.Key == "tcp_port" && pair.Value == redis.Port.ToString());
    }

    [Fact]
    public async Task Server_keeps_nothing_on_disk()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServer(redis.ConnectionString);

        var save = await server.ConfigGetAsync("save");
        var appendOnly = await server.ConfigGetAsync("appendonly");

        Assert.Equal("", Assert.Single(save).Value);
        Assert.Equal("no", Assert.Single(appendOnly).Value);
    }
}
