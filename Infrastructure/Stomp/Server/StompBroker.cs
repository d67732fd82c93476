using System.Collections.Concurrent;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>Publishing API for the rest of the server.</summary>
public interface IStompBroker
{
    /// <summary>
    /// Delivers to every subscriber of <paramref name="destination"/> on this instance; returns how many got it.
    /// Never waits: a subscriber whose queue is full is disconnected as a slow consumer instead.
    /// </summary>
    int Publish(string destination, ReadOnlySpan<byte> body, string contentType = "application/json", IEnumerable<KeyValuePair<string, string>>? headers = null);

    /// <summary>Delivers an already encoded message (encode once, publish to several destinations or replay).</summary>
    int Publish(string destination, StompEncodedMessage message);

    /// <summary>Delivers to every session of <paramref name="userId"/> subscribed to the user destination ("/user/queue/x" or "/queue/x").</summary>
    int SendToUser(string userId, string destination, ReadOnlySpan<byte> body, string contentType = "application/json", IEnumerable<KeyValuePair<string, string>>? headers = null);

    /// <summary>Current subscriptions to a destination (presence asks "who has /topic/messages/{roomId} open").</summary>
    IReadOnlyList<StompSubscription> SubscribersOf(string destination);

    /// <summary>Open sessions on this instance (connected or still handshaking).</summary>
    int SessionCount { get; }

    /// <summary>
    /// Ends <paramref name="userId"/>'s subscriptions to <paramref name="destinations"/> on this instance at once (their
    /// access ended) and tells each session on its /user/queue/errors, with <paramref name="code"/> and the destination.
    /// Returns how many subscriptions were dropped.
    /// </summary>
    int DropSubscriptions(string userId, IReadOnlyCollection<string> destinations, string code, string message);

    /// <summary>Closes every session of <paramref name="userId"/> on this instance (the account is gone); returns how many.</summary>
    int CloseSessionsOf(string userId);
}

/// <summary>
/// In-process subscription registry. Each destination holds an immutable array of subscriptions, replaced on
/// (rare) subscribe/unsubscribe under a lock, so the (hot) publish path iterates a snapshot with no lock at all.
/// </summary>
public sealed class StompBroker(Observability.ShootMetrics? metrics = null) : IStompBroker
{
    public const string UserPrefix = "/user/";

    private readonly ConcurrentDictionary<(string? User, string Destination), StompSubscription[]> _destinations = new();
    private readonly ConcurrentDictionary<StompSession, byte> _sessions = new();
    private readonly Lock _gate = new();

    public int SessionCount => _sessions.Count;

    internal IEnumerable<StompSession> Sessions => _sessions.Keys;

    public int Publish(string destination, ReadOnlySpan<byte> body, string contentType = "application/json", IEnumerable<KeyValuePair<string, string>>? headers = null) =>
        Deliver((null, destination), destination, body, contentType, headers);

    public int Publish(string destination, StompEncodedMessage message) => Deliver((null, destination), message);

    public int SendToUser(string userId, string destination, ReadOnlySpan<byte> body, string contentType = "application/json", IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var userDestination = destination.StartsWith(UserPrefix, StringComparison.Ordinal) ? destination : "/user" + destination;
        return Deliver((userId, userDestination), userDestination, body, contentType, headers);
    }

    public IReadOnlyList<StompSubscription> SubscribersOf(string destination) =>
        _destinations.TryGetValue((null, destination), out var subscriptions) ? subscriptions : [];

    private int Deliver((string?, string) key, string destination, ReadOnlySpan<byte> body, string contentType, IEnumerable<KeyValuePair<string, string>>? headers)
    {
        // Encoding is skipped entirely when nobody listens, which is the common case for typing and presence topics.
        if (!_destinations.TryGetValue(key, out var subscriptions) || subscriptions.Length == 0) return 0;
        return Deliver(subscriptions, StompEncodedMessage.Create(destination, body, contentType, headers));
    }

    private int Deliver((string?, string) key, StompEncodedMessage message) =>
        _destinations.TryGetValue(key, out var subscriptions) ? Deliver(subscriptions, message) : 0;

    private int Deliver(StompSubscription[] subscriptions, StompEncodedMessage message)
    {
        var delivered = 0;
        foreach (var subscription in subscriptions)
        {
            if (subscription.DeliverLive(message)) delivered++;
        }
        metrics?.Delivered(delivered);
        return delivered;
    }

    public int DropSubscriptions(string userId, IReadOnlyCollection<string> destinations, string code, string message)
    {
        var dropped = 0;
        foreach (var destination in destinations)
        {
            foreach (var subscription in SubscribersOf(destination))
            {
                if (subscription.Session.UserId == userId && subscription.Session.Revoke(subscription, code, message))
                    dropped++;
            }
        }
        return dropped;
    }

    public int CloseSessionsOf(string userId)
    {
        var closed = 0;
        foreach (var session in _sessions.Keys)
        {
            if (session.UserId != userId) continue;
            session.Close(StompCloseReason.Normal);
            closed++;
        }
        return closed;
    }

    internal void AddSession(StompSession session) => _sessions.TryAdd(session, 0);

    internal void RemoveSession(StompSession session) => _sessions.TryRemove(session, out _);

    internal void Add(StompSubscription subscription)
    {
        lock (_gate)
        {
            var key = (subscription.UserKey, subscription.Destination);
            _destinations[key] = _destinations.TryGetValue(key, out var current) ? [.. current, subscription] : [subscription];
        }
    }

    internal void Remove(StompSubscription subscription)
    {
        lock (_gate)
        {
            var key = (subscription.UserKey, subscription.Destination);
            if (!_destinations.TryGetValue(key, out var current)) return;
            var remaining = Array.FindAll(current, s => !ReferenceEquals(s, subscription));
            if (remaining.Length == 0) _destinations.TryRemove(key, out _);
            else _destinations[key] = remaining;
        }
    }
}
