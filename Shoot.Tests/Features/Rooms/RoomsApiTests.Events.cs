using System.Collections.Concurrent;
using System.Net;
using Mediator;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Rooms;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Rooms;

public abstract partial class RoomsApiTests
{
    /// <summary>
    /// Listens the way the SSE stream will: an INotificationHandler registered in the container, which Mediator's
    /// Publish resolves at run time.
    /// </summary>
    private sealed class EventRecorder :
        INotificationHandler<RoomCreated>, INotificationHandler<RoomUpdated>, INotificationHandler<ParticipantsChanged>,
        INotificationHandler<RoomRemoved>, INotificationHandler<RoomDeleted>
    {
        public ConcurrentQueue<object> Events { get; } = new();

        public ValueTask Handle(RoomCreated notification, CancellationToken ct) => Record(notification);
        public ValueTask Handle(RoomUpdated notification, CancellationToken ct) => Record(notification);
        public ValueTask Handle(ParticipantsChanged notification, CancellationToken ct) => Record(notification);
        public ValueTask Handle(RoomRemoved notification, CancellationToken ct) => Record(notification);
        public ValueTask Handle(RoomDeleted notification, CancellationToken ct) => Record(notification);

        private ValueTask Record(object notification)
        {
            Events.Enqueue(notification);
            return ValueTask.CompletedTask;
        }

        /// <summary>What was published since the last call, as readable lines (records print their values).</summary>
        public List<string> Drain()
        {
            var drained = new List<string>();
            while (Events.TryDequeue(out var e))
                drained.Add(Describe(e));
            return drained;
        }

        public static string Describe(object e) => e switch
        {
            RoomCreated c => $"created {c.RoomId} [{string.Join(",", c.ParticipantIds)}]",
            ParticipantsChanged p => $"participants {p.RoomId} +[{string.Join(",", p.Added)}] -[{string.Join(",", p.Removed)}]",
            RoomRemoved r => $"removed {r.RoomId} for {r.UserId}",
            RoomUpdated u => $"updated {u.RoomId}",
            RoomDeleted d => $"deleted {d.RoomId}",
            _ => e.ToString()!,
        };
    }

    [Fact]
    public async Task Room_changes_are_published_as_events_after_they_happen_and_refusals_publish_nothing()
    {
        var recorder = new EventRecorder();
        await using var fresh = await NewFactoryAsync();
        await using var listening = fresh.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<INotificationHandler<RoomCreated>>(recorder);
            services.AddSingleton<INotificationHandler<RoomUpdated>>(recorder);
            services.AddSingleton<INotificationHandler<ParticipantsChanged>>(recorder);
            services.AddSingleton<INotificationHandler<RoomRemoved>>(recorder);
            services.AddSingleton<INotificationHandler<RoomDeleted>>(recorder);
        }));
        var client = new ShootClient(listening.CreateClient());
        var alice = await UserAsync("Alice", client);
        var bob = await UserAsync("Bob", client);
        var carol = await UserAsync("Carol", client);

        var roomId = IdOf((await client.PostAsync("/api/v1/chatrooms",
            new { type = "GROUP", participantIds = new[] { bob.Id }, title = "Events" }, alice.AccessToken)).AssertStatus(HttpStatusCode.Created).Data);
        Assert.Equal([$"created {roomId} [{alice.Id},{bob.Id}]"], recorder.Drain());

        (await client.PutAsync(RoomPath(roomId), new { title = "Renamed" }, bob.AccessToken)).AssertStatus(HttpStatusCode.Forbidden);
        (await client.PostAsync(RoomPath(roomId, "/participants"), new { userIds = new[] { carol.Id } }, bob.AccessToken)).AssertStatus(HttpStatusCode.Forbidden);
        Assert.Empty(recorder.Drain());

        (await client.PutAsync(RoomPath(roomId), new { title = "Renamed" }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.PostAsync(RoomPath(roomId, "/notice"), new { text = "Hi" }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.PostAsync(RoomPath(roomId, "/participants"), new { userIds = new[] { carol.Id } }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.DeleteAsync(RoomPath(roomId, $"/participants/{carol.Id}"), alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(
            [$"updated {roomId}", $"updated {roomId}", $"participants {roomId} +[{carol.Id}] -[]",
             $"removed {roomId} for {carol.Id}", $"participants {roomId} +[] -[{carol.Id}]"],
            recorder.Drain());

        (await client.DeleteAsync(RoomPath(roomId), alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.DeleteAsync(RoomPath(roomId), bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(
            [$"removed {roomId} for {alice.Id}", $"participants {roomId} +[] -[{alice.Id}]", $"removed {roomId} for {bob.Id}", $"deleted {roomId}"],
            recorder.Drain());

        var direct = IdOf((await client.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken)).Data);
        (await client.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { alice.Id } }, bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.DeleteAsync(RoomPath(direct), bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await client.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { alice.Id } }, bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal(
            [$"created {direct} [{alice.Id},{bob.Id}]", $"removed {direct} for {bob.Id}", $"participants {direct} +[] -[{bob.Id}]",
             $"participants {direct} +[{bob.Id}] -[]"],
            recorder.Drain());
    }
}
