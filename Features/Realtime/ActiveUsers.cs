using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Realtime;

/// <summary>
/// <c>/topic/active/{roomId}</c>: who has the room open, i.e. holds a subscription to /topic/messages/{roomId} on any
/// instance. The shared set holds one member per subscription ("user:session:subscription"), so a user with two tabs
/// counts once and closing one tab keeps them active. Members expire unless refreshed (<see cref="RealtimeTimers"/>), so
/// a dead instance's subscriptions fade out; the next refresh of an instance with the room open announces that.
/// </summary>
public sealed class ActiveUsers(IExpiringSetStore sets, IEventBus bus) : IStompSubscriptionListener
{
    private readonly ConcurrentDictionary<StompSubscription, (long RoomId, string Member)> _local = new();

    // The list this instance last saw per open room, so a refresh can tell a change nobody announced.
    private readonly ConcurrentDictionary<long, List<long>> _lastKnown = new();

    public sealed record ActiveUsersEvent(long RoomId, IReadOnlyList<long> ActiveUserIds);

    public async ValueTask OnSubscribedAsync(StompSubscription subscription, StompFrame frame, CancellationToken ct)
    {
        if (RoomTopicAuthorizer.RoomIdOf(subscription.Destination, MessageTopics.MessagesPrefix) is { } roomId)
        {
            var member = string.Join(':', subscription.Owner.Principal.UserId, subscription.Owner.SessionId, subscription.Id);
            _local[subscription] = (roomId, member);
            await ChangeAsync(roomId, async () => await sets.AddAsync(Key(roomId), member, Presence.Ttl, ct), ct);
        }
        else if (RoomTopicAuthorizer.RoomIdOf(subscription.Destination, RealtimeTopics.ActivePrefix) is { } watchedRoomId)
        {
            // A new watcher learns the current list at once instead of waiting for the next change.
            var current = new ActiveUsersEvent(watchedRoomId, UserIds(await sets.MembersAsync(Key(watchedRoomId), ct)));
            subscription.Deliver(StompEncodedMessage.Create(subscription.Destination,
                Encoding.UTF8.GetBytes(JsonSerializer.Serialize(current, ShootJson.Options))));
        }
    }

    /// <summary>Also runs for every subscription left when a session ends, so closing a tab is covered.</summary>
    public async ValueTask OnUnsubscribedAsync(StompSubscription subscription)
    {
        if (_local.TryRemove(subscription, out var entry))
            await ChangeAsync(entry.RoomId, () => sets.RemoveAsync(Key(entry.RoomId), entry.Member), CancellationToken.None);
    }

    /// <summary>
    /// Keeps this instance's members alive in the shared set, and announces a list that changed unseen — members of a
    /// dead instance lapsing — in the rooms this instance has open (several instances may announce it; lists are idempotent).
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        foreach (var (_, (roomId, member)) in _local)
            await sets.AddAsync(Key(roomId), member, Presence.Ttl, ct);
        var openRooms = _local.Values.Select(v => v.RoomId).ToHashSet();
        foreach (var roomId in _lastKnown.Keys.Where(r => !openRooms.Contains(r)))
            _lastKnown.TryRemove(roomId, out _);
        foreach (var roomId in openRooms)
        {
            var current = UserIds(await sets.MembersAsync(Key(roomId), ct));
            if (_lastKnown.TryGetValue(roomId, out var known) && !known.SequenceEqual(current))
                await PublishAsync(roomId, current, ct);
            _lastKnown[roomId] = current;
        }
    }

    /// <summary>
    /// Announces the list when the change altered it. Reading before and after our own change means that of several
    /// racing changes at least the last to read announces the final list (duplicates are possible, a stale final is not).
    /// </summary>
    private async Task ChangeAsync(long roomId, Func<ValueTask> change, CancellationToken ct)
    {
        var before = UserIds(await sets.MembersAsync(Key(roomId), ct));
        await change();
        var after = UserIds(await sets.MembersAsync(Key(roomId), ct));
        _lastKnown[roomId] = after;
        if (!before.SequenceEqual(after))
            await PublishAsync(roomId, after, ct);
    }

    private ValueTask PublishAsync(long roomId, List<long> userIds, CancellationToken ct) =>
        bus.PublishAsync(new BusEvent(RealtimeTopics.Active(roomId),
            JsonSerializer.Serialize(new ActiveUsersEvent(roomId, userIds), ShootJson.Options)), ct);

    private static List<long> UserIds(IReadOnlyList<string> members) => members
        .Select(m => long.Parse(m.AsSpan(0, m.IndexOf(':')), NumberStyles.None, CultureInfo.InvariantCulture))
        .Distinct().Order().ToList();

    /// <summary>The shared set of a room's members ("user:session:subscription").</summary>
    public static string Key(long roomId) => "active:room:" + roomId.ToString(CultureInfo.InvariantCulture);
}
