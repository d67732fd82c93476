using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Realtime;

/// <summary>A non-member neither watches a room's typing or active users nor types into it.</summary>
[Trait("Category", "Integration")]
public sealed class RealtimeAuthorizationTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);
    private RealtimeRoom _room = null!;

    public async Task InitializeAsync() => _room = await RealtimeRoom.CreateAsync(_factory.CreateShootClient());

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_non_member_cannot_subscribe_to_typing_or_active_users_nor_send_typing()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _room.Bob.AccessToken);
        await bob.SubscribeAsync(_room.Typing);
        await using var mallory = await ChatClient.ConnectAsync(_factory.StompUri, _room.Mallory.AccessToken);
        await mallory.SubscribeAsync(_room.Typing);
        await mallory.SubscribeAsync(_room.Active);
        await mallory.SendAsync("/app/typing", _room.TypingJson(true));
        await mallory.SendAsync("/app/typing", """{"roomId":"x"}""");

        var refusals = await mallory.WaitForAsync("/user/queue/errors", 4);
        Assert.Equal(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "VALIDATION_FAILED"], refusals.Select(r => r["code"]!.GetValue<string>()));

        // A member's typing after mallory's reaches bob alone: mallory's never went out, and she stays connected.
        await using var alice = await ChatClient.ConnectAsync(_factory.StompUri, _room.Alice.AccessToken);
        await alice.SendAsync("/app/typing", _room.TypingJson(true));
        await bob.WaitForAsync(_room.Typing, 1);
        Assert.All(bob.Received(_room.Typing), e => Assert.Equal(_room.Alice.Id, e["userId"]!.GetValue<long>()));
        Assert.Empty(mallory.Received(_room.Typing));
        Assert.Empty(mallory.Received(_room.Active));
        Assert.False(mallory.Closed);
    }
}
