using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Messages;
using Shoot.Infrastructure.RateLimiting;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Issue 14, item 9: a room's own send budget (<c>Shoot:Limits:RoomMessagesPerSecond</c>), shared by all its senders.
/// The room's window is filled first through the shared counter store — as senders on other instances would fill it —
/// so the refusal does not depend on how fast this machine sends.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RoomSendLimitTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?> { ["Shoot:Limits:RoomMessagesPerSecond"] = "2" }, kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_room_past_its_budget_refuses_the_next_send_with_its_temp_id_while_other_rooms_go_on()
    {
        var api = _factory.CreateShootClient();
        var alice = await api.CreateUserAsync("rl");
        var bob = await api.CreateUserAsync("rl");
        var busy = await RoomAsync(api, alice, bob);
        var quiet = await RoomAsync(api, bob, alice);
        var counters = _factory.Services.GetRequiredService<ICounterStore>();
        for (var i = 0; i < 2; i++)
            await counters.IncrementAsync(SendMessage.Handler.RoomCounterKey(busy), TimeSpan.FromMinutes(1));

        await using var bobChat = await ChatClient.ConnectAsync(_factory.StompUri, bob.AccessToken);
        await bobChat.SubscribeAsync($"/topic/message/status/{quiet}");
        await bobChat.SendChatAsync(busy, "over-budget", "one too many");
        var refusal = (await bobChat.WaitForAsync("/user/queue/errors", 1))[0];
        Assert.Equal("RATE_LIMITED", refusal["code"]!.GetValue<string>());
        Assert.Equal("over-budget", refusal["tempId"]!.GetValue<string>());

        // Bob's own budget is untouched (one send), and another room has its own.
        await bobChat.SendSavedAsync(quiet, "elsewhere", "fine");
    }

    private static async Task<long> RoomAsync(ShootClient api, TestUser owner, TestUser other) =>
        (await api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "r", participantIds = new[] { other.Id } }, owner.AccessToken))
        .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
}
