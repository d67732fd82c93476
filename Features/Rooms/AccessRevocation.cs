using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Shoot.Features.Messages;
using Shoot.Features.Realtime;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Sse;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Rooms;

/// <summary>
/// Access ends with membership, on every instance at once (issue 14). Subscriptions and read-count streams are checked
/// when opened; this ends the ones already open when the user leaves or is removed from a room, when the room is
/// deleted (the last one out leaves it), and — all of a user's sessions and streams — when the account is deleted.
/// The change travels on the bus, so every instance drops what it holds: the room's STOMP subscriptions (each reported
/// on <c>/user/queue/errors</c> as <c>REMOVED</c> with its destination) and the user's SSE streams for the room.
/// </summary>
public sealed class AccessRevocation(IEventBus bus) : INotificationHandler<RoomRemoved>
{
    public const string Destination = "access/revoked";
    public const string RemovedCode = "REMOVED";

    internal sealed record Revoked(long UserId, long? RoomId);

    /// <summary>Every room destination a participant may hold; all authorised by membership at SUBSCRIBE.</summary>
    public static string[] RoomDestinations(long roomId)
    {
        var id = roomId.ToString(CultureInfo.InvariantCulture);
        return [MessageTopics.MessagesPrefix + id, MessageTopics.StatusPrefix + id, RealtimeTopics.TypingPrefix + id, RealtimeTopics.ActivePrefix + id];
    }

    public async ValueTask Handle(RoomRemoved notification, CancellationToken ct) =>
        await PublishAsync(new Revoked(notification.UserId, notification.RoomId), ct);

    /// <summary>The account is gone: close every STOMP session and SSE stream of the user, on every instance.</summary>
    public ValueTask RevokeAccountAsync(long userId, CancellationToken ct) => PublishAsync(new Revoked(userId, null), ct);

    private ValueTask PublishAsync(Revoked revoked, CancellationToken ct) =>
        bus.PublishAsync(new BusEvent(Destination, JsonSerializer.Serialize(revoked)), ct);
}

/// <summary>
/// Each instance's half of <see cref="AccessRevocation"/>: drops what this instance holds. A class of its own because the
/// bus depends on its subscribers, so a subscriber cannot depend on the bus.
/// </summary>
public sealed partial class AccessRevocationSubscriber(IStompBroker broker, SseHub sse, ParticipantCache participants, ILogger<AccessRevocationSubscriber> logger) : IBusSubscriber
{
    public void OnEvent(BusEvent busEvent)
    {
        if (busEvent.Destination != AccessRevocation.Destination
            || JsonSerializer.Deserialize<AccessRevocation.Revoked>(busEvent.Payload) is not { } revoked)
            return;
        participants.Forget(revoked.UserId);
        var userId = revoked.UserId.ToString(CultureInfo.InvariantCulture);
        if (revoked.RoomId is { } roomId)
        {
            var dropped = broker.DropSubscriptions(userId, AccessRevocation.RoomDestinations(roomId), AccessRevocation.RemovedCode,
                "Your access to this room has ended.");
            var closed = sse.Close(revoked.UserId, roomId);
            if (dropped + closed > 0)
                LogRoomAccessEnded(logger, revoked.UserId, roomId, dropped, closed);
        }
        else
        {
            var sessions = broker.CloseSessionsOf(userId);
            var streams = sse.Close(revoked.UserId, null);
            LogAccountAccessEnded(logger, revoked.UserId, sessions, streams);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} left room {RoomId}: {Subscriptions} subscription(s) dropped, {Streams} stream(s) closed here")]
    private static partial void LogRoomAccessEnded(ILogger logger, long userId, long roomId, int subscriptions, int streams);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {UserId} deleted: {Sessions} session(s) and {Streams} stream(s) closed here")]
    private static partial void LogAccountAccessEnded(ILogger logger, long userId, int sessions, int streams);
}
