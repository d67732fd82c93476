using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Features.Users;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.RateLimiting;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Realtime;

public static class RealtimeTopics
{
    public const string TypingPrefix = "/topic/typing/";
    public const string ActivePrefix = "/topic/active/";

    public static string Typing(long roomId) => TypingPrefix + roomId;
    public static string Active(long roomId) => ActivePrefix + roomId;
}

/// <summary><c>/app/typing</c> {roomId, isTyping}: participants only; anything else is refused on /user/queue/errors.</summary>
public sealed class TypingSendHandler(RoomMembership membership, TypingIndicators typing) : IStompSendHandler
{
    public sealed record Payload(long? RoomId, bool? IsTyping);

    public string DestinationPrefix => "/app/typing";

    public async ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken)
    {
        if (StompJsonPayload.Read<Payload>(context, DestinationPrefix, out var payload) is { } refusal)
            return refusal;
        if (payload is not { RoomId: > 0 and var roomId, IsTyping: { } isTyping })
            return new StompRefusal("VALIDATION_FAILED", "roomId (a positive number) and isTyping (true or false) are required.");
        var userId = long.Parse(context.Session.Principal.UserId, CultureInfo.InvariantCulture);
        // Same answer as for a room that does not exist, so typing cannot probe for rooms.
        if (!await membership.IsParticipantAsync(roomId, userId, cancellationToken))
            return new StompRefusal("NOT_FOUND", "The room was not found.");
        await typing.OnTypingAsync(roomId, userId, context.Session.SessionId, isTyping, cancellationToken);
        return null;
    }
}

/// <summary>
/// Who is typing, as seen by this instance. The once-a-second throttle is a counter in <see cref="ICounterStore"/>, so
/// it holds across instances (Redis). The 5-second silence timer is per instance: a session's typing always reaches the
/// instance that holds the session, so the instance that saw the typing is the one that ends it — on silence or when the
/// session ends. If that instance dies, its typists get no isTyping:false (clients should also time typing out).
/// </summary>
public sealed class TypingIndicators(IEventBus bus, ICounterStore counters, IServiceScopeFactory scopes, TimeProvider clock)
    : IStompSessionListener
{
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Throttle = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(long RoomId, long UserId), Typist> _typing = new();

    private sealed record Typist(string SessionId, string Nickname, DateTimeOffset LastTypedAt);

    public sealed record TypingEvent(long RoomId, long UserId, string Nickname, bool IsTyping);

    public async ValueTask OnTypingAsync(long roomId, long userId, string sessionId, bool isTyping, CancellationToken ct)
    {
        var key = (roomId, userId);
        if (!isTyping)
        {
            // Stopping is never throttled: otherwise "typing… stopped" within a second would leave others seeing typing for 5 s.
            if (_typing.TryRemove(key, out var stopped))
                await StopAsync(key, stopped.Nickname);
            return;
        }
        var nickname = _typing.TryGetValue(key, out var known) ? known.Nickname : await NicknameAsync(userId, ct);
        _typing[key] = new Typist(sessionId, nickname, clock.GetUtcNow());
        if ((await counters.IncrementAsync(ThrottleKey(key), Throttle, ct)).Count == 1)
            await PublishAsync(new TypingEvent(roomId, userId, nickname, true));
    }

    /// <summary>Sends isTyping:false for everyone silent for <see cref="Silence"/>; called by <see cref="RealtimeTimers"/>.</summary>
    public async Task ExpireSilentAsync()
    {
        var cutoff = clock.GetUtcNow() - Silence;
        foreach (var (key, typist) in _typing)
        {
            if (typist.LastTypedAt <= cutoff && _typing.TryRemove(KeyValuePair.Create(key, typist)))
                await StopAsync(key, typist.Nickname);
        }
    }

    public ValueTask OnConnectedAsync(IStompSession session) => ValueTask.CompletedTask;

    public async ValueTask OnDisconnectedAsync(IStompSession session)
    {
        foreach (var (key, typist) in _typing)
        {
            if (typist.SessionId == session.SessionId && _typing.TryRemove(KeyValuePair.Create(key, typist)))
                await StopAsync(key, typist.Nickname);
        }
    }

    private async Task StopAsync((long RoomId, long UserId) key, string nickname)
    {
        // A new burst of typing after a stop is news at once, not held back by the previous window.
        await counters.DeleteAsync(ThrottleKey(key));
        await PublishAsync(new TypingEvent(key.RoomId, key.UserId, nickname, false));
    }

    private ValueTask PublishAsync(TypingEvent typingEvent) =>
        bus.PublishAsync(new BusEvent(RealtimeTopics.Typing(typingEvent.RoomId), JsonSerializer.Serialize(typingEvent, ShootJson.Options)));

    private async Task<string> NicknameAsync(long userId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserDirectory>().FindByIdAsync(userId, ct))?.Nickname ?? "";
    }

    private static string ThrottleKey((long RoomId, long UserId) key) =>
        string.Create(CultureInfo.InvariantCulture, $"typing:{key.RoomId}:{key.UserId}");
}
