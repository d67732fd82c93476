using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Realtime;

/// <summary>/app/typing → /topic/typing/{roomId}: delivery, the once-a-second throttle, and the automatic stop.</summary>
[Trait("Category", "Integration")]
public sealed class TypingTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private RealtimeRoom _room = null!;

    public async Task InitializeAsync() => _room = await RealtimeRoom.CreateAsync(_factory.CreateShootClient());

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Typing_reaches_the_other_participant_with_who_is_typing()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Typing);
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await alice.SendAsync("/app/typing", _room.TypingJson(true));

        var typing = (await bob.WaitForAsync(_room.Typing, 1)).Single();
        Assert.Equal(_room.RoomId, typing["roomId"]!.GetValue<long>());
        Assert.Equal(_room.Alice.Id, typing["userId"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(typing["nickname"]!.GetValue<string>()));
        Assert.True(typing["isTyping"]!.GetValue<bool>());
        Assert.Empty(alice.Errors);
    }

    [Fact]
    public async Task A_burst_of_typing_is_throttled_and_an_explicit_stop_goes_through_at_once()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Typing);
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        for (var i = 0; i < 10; i++)
            await alice.SendAsync("/app/typing", _room.TypingJson(true));
        await alice.SendAsync("/app/typing", _room.TypingJson(false));

        // The stop comes after the burst on one ordered bus, so once it is here every event of the burst is too.
        await bob.WaitForAsync(_room.Typing, 1, e => !e["isTyping"]!.GetValue<bool>());
        var started = bob.Received(_room.Typing).Count(e => e["isTyping"]!.GetValue<bool>());
        Assert.InRange(started, 1, 2);
    }

    [Fact]
    public async Task Silence_for_five_seconds_sends_isTyping_false()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Typing);
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await alice.SendAsync("/app/typing", _room.TypingJson(true));

        var events = await bob.WaitForAsync(_room.Typing, 2);
        Assert.Equal([true, false], events.Select(e => e["isTyping"]!.GetValue<bool>()));
        Assert.All(events, e => Assert.Equal(_room.Alice.Id, e["userId"]!.GetValue<long>()));
        Assert.False(alice.Closed);
    }

    [Fact]
    public async Task Disconnecting_while_typing_sends_isTyping_false()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Typing);
        var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await alice.SendAsync("/app/typing", _room.TypingJson(true));
        await bob.WaitForAsync(_room.Typing, 1);
        await alice.DisposeAsync();

        var stop = (await bob.WaitForAsync(_room.Typing, 1, e => !e["isTyping"]!.GetValue<bool>())).Single();
        Assert.Equal(_room.Alice.Id, stop["userId"]!.GetValue<long>());
    }
}
