using System.Net;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

[Trait("Category", "Integration")]
public sealed class SendMessageSmokeTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_message_reaches_both_participants_with_every_status_and_lands_in_history()
    {
        var api = _factory.CreateShootClient();
        var alice = await api.CreateUserAsync("al");
        var bob = await api.CreateUserAsync("bo");
        var room = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created);
        var roomId = room.Data["id"]!.GetValue<long>();

        await using var a = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await using var b = await ChatClient.ConnectAsync(_factory.StompUri, bob.AccessToken);
        foreach (var client in new[] { a, b })
        {
            await client.SubscribeAsync($"/topic/messages/{roomId}");
            await client.SubscribeAsync($"/topic/message/status/{roomId}");
        }
        await a.SendChatAsync(roomId, "t-1", "hello @" + bob.Username);

        var received = (await b.WaitForAsync($"/topic/messages/{roomId}", 1)).Single();
        Assert.Equal(1, received["seq"]!.GetValue<long>());
        Assert.Equal(alice.Id, received["senderId"]!.GetValue<long>());
        Assert.Equal([bob.Id], received["mentions"]!.AsArray().Select(m => m!.GetValue<long>()));
        var statuses = await a.WaitForAsync($"/topic/message/status/{roomId}", 4);
        Assert.Equal(["SENDING", "SENT_TO_KAFKA", "PROCESSING", "SAVED"], statuses.Select(s => s["status"]!.GetValue<string>()));
        Assert.Equal(received["id"]!.GetValue<string>(), statuses[^1]["persistedId"]!.GetValue<string>());

        var history = (await api.GetAsync($"/api/v1/messages/{roomId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(received["id"]!.GetValue<string>(), history.Data["items"]![0]!["id"]!.GetValue<string>());
        Assert.Empty(a.Errors);
    }
}
