using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// docs/api.md §8: a retry with the same tempId creates nothing, also when it reaches an embedded server restarted on
/// its data directory after the first send was SAVED (the server no longer holds the send in memory; it finds it
/// through the sends it loads from the store at start).
/// </summary>
[Trait("Category", "Integration")]
public sealed class RetryAfterRestartTests : IAsyncLifetime
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Shoot:DataDirectory"] = Directory.CreateTempSubdirectory("shoot-restart-").FullName,
        ["Jwt:SigningKey"] = ShootAppFactory.TestSigningKey,
    };

    private ShootAppFactory _server = null!;

    public Task InitializeAsync()
    {
        _server = new ShootAppFactory(_settings, kestrel: true);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_settings["Shoot:DataDirectory"]!, recursive: true);
    }

    [Fact]
    public async Task A_retry_of_a_saved_send_after_a_restart_gets_the_first_answer_and_creates_nothing()
    {
        var api = _server.CreateShootClient();
        var alice = await api.CreateUserAsync("ra");
        var bob = await api.CreateUserAsync("rb");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var status = $"/topic/message/status/{roomId}";
        string firstId;
        await using (var before = await ChatClient.ConnectAsync(_server.StompUri, alice.AccessToken))
        {
            await before.SubscribeAsync(status);
            await before.SendChatAsync(roomId, "retry-me", "only once");
            var saved = await before.WaitForAsync(status, 1, s => s["status"]!.GetValue<string>() == "SAVED");
            firstId = saved[0]["persistedId"]!.GetValue<string>();
        }

        await _server.DisposeAsync();
        // A graceful stop leaves the stored sends for the next start, which reads and deletes them.
        var snapshot = Path.Combine(_settings["Shoot:DataDirectory"]!, InProcessMessageSequencer.StoredSendsSnapshotFile);
        Assert.True(File.Exists(snapshot));
        _server = new ShootAppFactory(_settings, kestrel: true);
        // The stored sends load as the server starts, before anyone sends.
        var sequencer = _server.Services.GetRequiredService<InProcessMessageSequencer>();
        for (var patience = Stopwatch.StartNew(); !sequencer.StoredSends.Loaded && patience.Elapsed < TimeSpan.FromSeconds(30);)
            await Task.Delay(20);
        Assert.True(sequencer.StoredSends.Loaded);
        Assert.False(File.Exists(snapshot));
        await using var after = await ChatClient.ConnectAsync(_server.StompUri, alice.AccessToken);
        await after.SubscribeAsync(status);
        await after.SubscribeAsync($"/topic/messages/{roomId}");
        await after.SendChatAsync(roomId, "retry-me", "only once");
        var answer = (await after.WaitForAsync(status, 1, s => s["tempId"]!.GetValue<string>() == "retry-me"))[0];

        Assert.Equal(("SAVED", firstId, 1L), (answer["status"]!.GetValue<string>(), answer["persistedId"]!.GetValue<string>(), answer["seq"]!.GetValue<long>()));
        await after.SendChatAsync(roomId, "next", "second message");
        await after.WaitForAsync(status, 1, s => s["tempId"]!.GetValue<string>() == "next" && s["status"]!.GetValue<string>() == "SAVED");
        // The retry was not broadcast again: the only message this session saw is the next one.
        Assert.Equal(["next"], after.Received($"/topic/messages/{roomId}").Select(m => m["tempId"]!.GetValue<string>()));
        var stored = await MessageExchange.ReadWholeHistoryAsync(_server.CreateShootClient(), roomId, bob.AccessToken);
        Assert.Equal(["retry-me", "next"], stored.Select(m => m["tempId"]!.GetValue<string>()));
        Assert.Equal([1L, 2L], stored.Select(m => m["seq"]!.GetValue<long>()));
        Assert.Empty(after.Errors);
    }
}
