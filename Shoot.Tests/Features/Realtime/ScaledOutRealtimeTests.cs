using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Realtime;
using Shoot.Tests.Features.Messages;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Realtime;

/// <summary>Two instances sharing Redis and PostgreSQL: typing, active users and presence seen from the other instance.</summary>
[Trait("Category", "Integration")]
public sealed class ScaledOutRealtimeTests(RedisServerFixture redis, PostgresServerFixture postgres, KafkaMockClusterFixture kafka)
    : IClassFixture<RedisServerFixture>, IClassFixture<PostgresServerFixture>, IClassFixture<KafkaMockClusterFixture>
{
    [Fact]
    public async Task A_user_on_one_instance_is_seen_typing_active_and_online_from_the_other()
    {
        var settings = await MessageExchange.ScaledOutSettingsAsync(redis, postgres, kafka);
        await using var first = new ShootAppFactory(settings, kestrel: true);
        await using var second = new ShootAppFactory(settings, kestrel: true);
        var room = await RealtimeRoom.CreateAsync(first.CreateShootClient());
        var api2 = second.CreateShootClient();

        await using var bob = await ChatClient.ConnectAsync(second.StompUri, room.Bob.AccessToken);
        await bob.SubscribeAsync(room.Typing);
        await bob.SubscribeAsync(room.Active);
        await RealtimeRoom.WaitForStatusAsync(api2, room.Bob, room.Alice.Id, "OFFLINE");

        var alice = await ChatClient.ConnectAsync(first.StompUri, room.Alice.AccessToken);
        await alice.SubscribeAsync(room.Messages);
        await bob.WaitForAsync(room.Active, 1, e => RealtimeRoom.UserIds(e).SequenceEqual([room.Alice.Id]));
        var online = await RealtimeRoom.WaitForStatusAsync(api2, room.Bob, room.Alice.Id, "ONLINE");
        // The periodic refresh (run by hand here) keeps lastSeenAt current in PostgreSQL too.
        await Task.Delay(5);
        await first.Services.GetRequiredService<Presence>().RefreshAsync(CancellationToken.None);
        var refreshed = (await api2.GetAsync($"/api/v1/users/{room.Alice.Id}", room.Bob.AccessToken)).Data;
        Assert.True(refreshed["lastSeenAt"]!.GetValue<DateTimeOffset>() > online["lastSeenAt"]!.GetValue<DateTimeOffset>());

        // The throttle is shared through Redis: a burst still yields at most two starts on the other instance.
        for (var i = 0; i < 10; i++)
            await alice.SendAsync("/app/typing", room.TypingJson(true));
        await bob.WaitForAsync(room.Typing, 1);

        await alice.DisposeAsync();
        await bob.WaitForAsync(room.Typing, 1, e => !e["isTyping"]!.GetValue<bool>());
        Assert.InRange(bob.Received(room.Typing).Count(e => e["isTyping"]!.GetValue<bool>()), 1, 2);
        // The current list on subscribe ([]), alice opening the room, then her session closing: empty again.
        Assert.Empty(RealtimeRoom.UserIds((await bob.WaitForAsync(room.Active, 3))[2]));
        var offline = await RealtimeRoom.WaitForStatusAsync(api2, room.Bob, room.Alice.Id, "OFFLINE");
        Assert.NotNull(offline["lastSeenAt"]);
    }
}
