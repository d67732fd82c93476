using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Sse;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.Sse;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Sse;

/// <summary>
/// Room activity (<c>room-update</c>, <c>unread</c>) is announced to the participants who read their own streams, now
/// or within the ring's lifetime, and to nobody else (docs/api.md §7). The real host on Kestrel; the listener leases run
/// on a clock the test moves, and every stream event published on the bus is recorded.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SseListenersAppTests : IAsyncLifetime
{
    private readonly ManualClock _leaseClock = new();
    private readonly BusRecorder _bus = new();
    private readonly ShootAppFactory _factory;
    private ShootClient _api = null!;

    public SseListenersAppTests() =>
        _factory = new ShootAppFactory(kestrel: true)
        {
            TestServices = services =>
            {
                services.AddSingleton<IExpiringSetStore>(new InMemoryExpiringSetStore(_leaseClock));
                services.AddSingleton<IBusSubscriber>(_bus);
            },
        };

    public Task InitializeAsync()
    {
        _api = _factory.CreateShootClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Participants_without_a_stream_get_no_room_activity_events()
    {
        var (alice, bob, carol) = (await _api.CreateUserAsync("na"), await _api.CreateUserAsync("nb"), await _api.CreateUserAsync("nc"));
        var roomId = await GroupAsync(alice, bob, carol);
        await using var carolUnread = await OpenUnreadAsync(carol);
        await using var chat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);

        await chat.SendChatAsync(roomId, "n1", "hello");
        await carolUnread.WaitForAsync("unread", u => u["roomId"]!.GetValue<long>() == roomId && u["unreadCount"]!.GetValue<long>() == 1);

        // The announcement was one batch on the bus: Carol's events are in it, nothing for Bob or Alice (no streams).
        // (Everyone got room-created on the updates stream when the room was made: not room activity.)
        Assert.Equal([$"sse/unread:{carol.Id}", $"sse/updates:{carol.Id}"], _bus.RoomActivity.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stream_closed_moments_ago_replays_the_room_activity_it_missed()
    {
        await using var scene = await BobReadThenClosedAsync("m");
        var (chat, second) = (scene.Chat, scene.Second);
        await chat.SendChatAsync(second, "m2", "two");
        await WaitAnnouncedAsync(scene.CarolUnread, second, 1);

        await using var resumed = await OpenUnreadAsync(scene.Bob, scene.BobLastSeen);
        var missed = await resumed.WaitForAsync("unread", u => u["roomId"]!.GetValue<long>() == second);
        Assert.Equal(1, missed["unreadCount"]!.GetValue<long>());
        Assert.Equal(2, missed["totalUnread"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_stream_opened_after_the_lease_ran_out_replays_nothing_and_carries_exact_totals()
    {
        await using var scene = await BobReadThenClosedAsync("l");
        var (chat, bob, carol, first, second) = (scene.Chat, scene.Bob, scene.Carol, scene.First, scene.Second);
        // The lease runs from the moment the server saw the stream close.
        var listeners = _factory.Services.GetRequiredService<SseListeners>();
        await Eventually.HoldsAsync(() => Task.FromResult(!listeners.HasStreamHere(bob.Id)));
        // Still within the lease: announced to Bob, and held for a replay.
        await chat.SendChatAsync(second, "l2", "two");
        await WaitAnnouncedAsync(scene.CarolUnread, second, 1);
        var heldForBob = _bus.Events(bob.Id).Last().Id;

        // Past the lease: not announced to Bob, so what the ledger holds for him in the second room is now behind.
        _leaseClock.Advance(SseListeners.Lease + TimeSpan.FromSeconds(1));
        // Carol's lease is renewed every few real minutes; here she simply opens her stream again.
        await using var carolAgain = await OpenUnreadAsync(carol);
        await chat.SendChatAsync(second, "l3", "three");
        await WaitAnnouncedAsync(carolAgain, second, 2);

        await using var reopened = await OpenUnreadAsync(bob, scene.BobLastSeen);
        await chat.SendChatAsync(first, "l4", "four");
        var next = await reopened.WaitForAsync("unread", u => u["roomId"]!.GetValue<long>() == first);
        Assert.Equal(2, next["unreadCount"]!.GetValue<long>());
        // Two in each room: recounted when the stream opened, not the stale one of the second room.
        Assert.Equal(4, next["totalUnread"]!.GetValue<long>());
        Assert.DoesNotContain(reopened.Events, e => e.Id == heldForBob);
        Assert.Equal([first], reopened.Events.Where(e => e.Event == "unread").Select(e => e.Data["roomId"]!.GetValue<long>()).Distinct());
    }

    /// <summary>
    /// Alice, Bob and Carol in two rooms; Carol reads her unread stream throughout, Alice is connected over STOMP; Bob
    /// read his unread stream until Alice's first message in the first room reached it, then closed it.
    /// </summary>
    private async Task<Scene> BobReadThenClosedAsync(string prefix)
    {
        var (alice, bob, carol) = (await _api.CreateUserAsync(prefix + "a"), await _api.CreateUserAsync(prefix + "b"), await _api.CreateUserAsync(prefix + "c"));
        var (first, second) = (await GroupAsync(alice, bob, carol), await GroupAsync(alice, bob, carol));
        var carolUnread = await OpenUnreadAsync(carol);
        var chat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await using var bobUnread = await OpenUnreadAsync(bob);
        await chat.SendChatAsync(first, prefix + "1", "one");
        var lastSeen = (await bobUnread.WaitForAsync("unread", 1)).Single().Id;
        return new Scene(bob, carol, first, second, carolUnread, chat, lastSeen);
    }

    private sealed record Scene(TestUser Bob, TestUser Carol, long First, long Second, SseTestClient CarolUnread, ChatClient Chat, string BobLastSeen)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Chat.DisposeAsync();
            await CarolUnread.DisposeAsync();
        }
    }

    private async Task<long> GroupAsync(TestUser owner, params TestUser[] others) =>
        (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = others.Select(o => o.Id).ToArray(), title = "Listeners" }, owner.AccessToken))
        .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();

    private Task<SseTestClient> OpenUnreadAsync(TestUser user, string? lastEventId = null) =>
        SseTestClient.OpenAsync(_factory.ServerAddress, $"/api/v1/sse/unread/{user.Id}", user.AccessToken, lastEventId);

    /// <summary>Carol reads her stream throughout: her event for a message means its announcement is done, for everyone.</summary>
    private static Task WaitAnnouncedAsync(SseTestClient carol, long roomId, long unreadCount) =>
        carol.WaitForAsync("unread", u => u["roomId"]!.GetValue<long>() == roomId && u["unreadCount"]!.GetValue<long>() == unreadCount);

    /// <summary>Every stream event this instance's bus delivered.</summary>
    private sealed class BusRecorder : IBusSubscriber
    {
        private readonly ConcurrentQueue<BusEvent> _events = new();

        /// <summary>Where each room-update and unread event went.</summary>
        public IEnumerable<string> RoomActivity => _events
            .Where(e => e.Destination.StartsWith(SsePublisher.DestinationPrefix, StringComparison.Ordinal)
                && JsonNode.Parse(e.Payload)!["event"]!.GetValue<string>() is "room-update" or "unread")
            .Select(e => e.Destination);

        public void OnEvent(BusEvent busEvent) => _events.Enqueue(busEvent);

        /// <summary>The events of a user's unread stream: id and data.</summary>
        public IEnumerable<(string Id, JsonNode Data)> Events(long userId) => _events
            .Where(e => e.Destination == SsePublisher.DestinationPrefix + SseStreams.Unread(userId))
            .Select(e => JsonNode.Parse(e.Payload)!)
            .Select(e => (e["id"]!.GetValue<string>(), JsonNode.Parse(e["data"]!.GetValue<string>())!));
    }
}
