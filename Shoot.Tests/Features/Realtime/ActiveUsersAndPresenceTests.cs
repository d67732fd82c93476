using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Realtime;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.Stomp.Server;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Realtime;

/// <summary>/topic/active/{roomId} and the user's ONLINE/OFFLINE status, with one user in two tabs.</summary>
[Trait("Category", "Integration")]
public sealed class ActiveUsersAndPresenceTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private RealtimeRoom _room = null!;

    public async Task InitializeAsync() => _room = await RealtimeRoom.CreateAsync(_factory.CreateShootClient());

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_user_with_two_tabs_counts_once_and_stays_active_until_the_last_tab_closes()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Active);
        // A new watcher is told the current list first.
        Assert.Empty(RealtimeRoom.UserIds((await bob.WaitForAsync(_room.Active, 1)).Single()));

        var tab1 = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await tab1.SubscribeAsync(_room.Messages);
        await bob.WaitForAsync(_room.Active, 1, e => RealtimeRoom.UserIds(e).SequenceEqual([_room.Alice.Id]));
        await using var tab2 = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await tab2.SubscribeAsync(_room.Messages);
        await tab1.DisposeAsync();
        await WaitForSessionsAsync(2);

        // Bob opening the room announces the list, which still holds alice: her second tab is open.
        await bob.SubscribeAsync(_room.Messages);
        await bob.WaitForAsync(_room.Active, 1, e => RealtimeRoom.UserIds(e).Length == 2);
        Assert.All(bob.Received(_room.Active).Skip(1), e => Assert.Contains(_room.Alice.Id, RealtimeRoom.UserIds(e)));

        await tab2.DisposeAsync();
        var last = await bob.WaitForAsync(_room.Active, 1, e => RealtimeRoom.UserIds(e).SequenceEqual([_room.Bob.Id]));
        Assert.Equal(_room.RoomId, last[0]["roomId"]!.GetValue<long>());
    }

    [Fact]
    public async Task Members_left_by_a_dead_instance_lapse_and_the_next_refresh_announces_it()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Active);
        await bob.SubscribeAsync(_room.Messages);
        await bob.WaitForAsync(_room.Active, 1, e => RealtimeRoom.UserIds(e).SequenceEqual([_room.Bob.Id]));
        // Alice's tab on an instance that then died: it put her in the set and will never refresh or remove her.
        var sets = _factory.Services.GetRequiredService<IExpiringSetStore>();
        await sets.AddAsync(ActiveUsers.Key(_room.RoomId), $"{_room.Alice.Id}:dead-session:sub-1", TimeSpan.FromSeconds(1));
        var active = _factory.Services.GetRequiredService<ActiveUsers>();
        await active.RefreshAsync(CancellationToken.None);
        await bob.WaitForAsync(_room.Active, 1, e => RealtimeRoom.UserIds(e).Length == 2);

        // Refresh (by hand, as the timer would) until her member has lapsed and bob is told he is alone again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!RealtimeRoom.UserIds(bob.Received(_room.Active)[^1]).SequenceEqual([_room.Bob.Id]))
        {
            Assert.True(DateTime.UtcNow < deadline, "The lapsed member was never announced");
            await Task.Delay(100);
            await active.RefreshAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Status_is_online_while_any_session_is_open_and_offline_with_last_seen_after_the_last()
    {
        var api = _room.Api;
        await RealtimeRoom.WaitForStatusAsync(api, _room.Bob, _room.Alice.Id, "OFFLINE");
        var tab1 = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await RealtimeRoom.WaitForStatusAsync(api, _room.Bob, _room.Alice.Id, "ONLINE");
        await using var tab2 = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await tab1.DisposeAsync();
        await WaitForSessionsAsync(1);
        // tab1's disconnect has run (the session is gone); tab2 keeps alice online.
        var online = (await api.GetAsync($"/api/v1/users/{_room.Alice.Id}", _room.Bob.AccessToken)).Data;
        Assert.Equal("ONLINE", online["status"]!.GetValue<string>());
        // The periodic refresh (run by hand here) moves lastSeenAt on while she is online.
        await Task.Delay(5);
        await _factory.Services.GetRequiredService<Presence>().RefreshAsync(CancellationToken.None);
        var refreshed = (await api.GetAsync($"/api/v1/users/{_room.Alice.Id}", _room.Bob.AccessToken)).Data;
        Assert.True(refreshed["lastSeenAt"]!.GetValue<DateTimeOffset>() > online["lastSeenAt"]!.GetValue<DateTimeOffset>());

        await tab2.DisposeAsync();
        var offline = await RealtimeRoom.WaitForStatusAsync(api, _room.Bob, _room.Alice.Id, "OFFLINE");
        Assert.NotNull(offline["lastSeenAt"]);
        var me = (await api.GetAsync("/api/v1/users/me", _room.Alice.AccessToken)).Data;
        Assert.Equal("OFFLINE", me["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_chosen_busy_status_is_kept_while_online()
    {
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await RealtimeRoom.WaitForStatusAsync(_room.Api, _room.Bob, _room.Alice.Id, "ONLINE");
        await _room.Api.PutAsync("/api/v1/users/status", new { status = "BUSY" }, _room.Alice.AccessToken);
        await using var secondTab = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await WaitForSessionsAsync(2);
        var busy = (await _room.Api.GetAsync($"/api/v1/users/{_room.Alice.Id}", _room.Bob.AccessToken)).Data;
        Assert.Equal("BUSY", busy["status"]!.GetValue<string>());
    }

    /// <summary>Waits (bounded) until the server holds exactly <paramref name="count"/> sessions, i.e. a closed one's cleanup has run.</summary>
    private async Task WaitForSessionsAsync(int count)
    {
        var broker = _factory.Services.GetRequiredService<IStompBroker>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (broker.SessionCount != count)
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"The server holds {broker.SessionCount} sessions, expected {count}");
            await Task.Delay(20);
        }
    }
}
