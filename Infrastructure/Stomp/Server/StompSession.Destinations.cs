using System.Text.Json;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Infrastructure.Stomp.Server;

internal sealed partial class StompSession
{
    public const string ErrorsDestination = "/user/queue/errors";

    private async ValueTask SubscribeAsync(StompFrame frame)
    {
        var id = Required(frame, "id");
        var destination = Required(frame, "destination");
        var ackMode = frame["ack"] switch
        {
            null or "auto" => StompAckMode.Auto,
            "client" => StompAckMode.Client,
            "client-individual" => StompAckMode.ClientIndividual,
            _ => throw new StompProtocolException("ack must be auto, client or client-individual"),
        };
        int count;
        lock (_subscriptionsGate)
        {
            if (_subscriptions.ContainsKey(id)) throw new StompProtocolException($"Subscription id '{id}' is already in use");
            count = _subscriptions.Count;
        }
        if (count >= _server.Options.MaxSubscriptionsPerConnection)
        {
            Refuse(StompCommand.Subscribe, destination, new StompRefusal("TOO_MANY_SUBSCRIPTIONS", "Subscription limit reached"));
            return;
        }

        string? userKey = null;
        if (destination.StartsWith(StompBroker.UserPrefix, StringComparison.Ordinal))
        {
            // A user destination resolves to this user's own queue, so no one can listen in on someone else's.
            userKey = Principal.UserId;
        }
        else
        {
            var authorizer = _server.Authorizers.Find(destination);
            var refusal = authorizer is null
                ? new StompRefusal("UNKNOWN_DESTINATION", "No such destination")
                : await authorizer.AuthorizeSubscribeAsync(this, destination, frame, _stopping.Token);
            if (refusal is not null)
            {
                Refuse(StompCommand.Subscribe, destination, refusal);
                return;
            }
        }

        // Accepted: from here on the id and destination are held for the subscription's life, shared with other sessions.
        var subscription = new StompSubscription(this, _server.SubscriptionIds.GetOrAdd(id, SubscriptionId.Create),
            _server.Strings.Intern(destination), ackMode, userKey);
        lock (_subscriptionsGate) _subscriptions.Add(subscription.Id, subscription);
        _server.Broker.Add(subscription);
        try
        {
            await NotifyAsync(_server.SubscriptionListeners, listener => listener.OnSubscribedAsync(subscription, frame, _stopping.Token));
        }
        finally
        {
            subscription.ReleaseHeld();
        }
    }

    /// <summary>An unknown id is ignored: the client may be unsubscribing from a subscription we refused.</summary>
    private async ValueTask UnsubscribeAsync(StompFrame frame)
    {
        var id = Required(frame, "id");
        StompSubscription? subscription;
        lock (_subscriptionsGate) _subscriptions.Remove(id, out subscription);
        if (subscription is not null) await RemoveAsync(subscription);
    }

    /// <summary>
    /// Ends one subscription from outside the read loop (the user's access to its destination ended) and reports it on
    /// this session's /user/queue/errors. False when it was already gone (unsubscribed, or the session ended).
    /// </summary>
    internal bool Revoke(StompSubscription subscription, string code, string message)
    {
        lock (_subscriptionsGate)
        {
            if (!_subscriptions.TryGetValue(subscription.Id, out var current) || !ReferenceEquals(current, subscription)) return false;
            _subscriptions.Remove(subscription.Id);
        }
        // Removed from the broker before the notice is queued, so nothing of the destination follows the notice.
        subscription.Removed = true;
        _server.Broker.Remove(subscription);
        Refuse(StompCommand.Subscribe, subscription.Destination, new StompRefusal(code, message));
        _ = NotifyUnsubscribedAsync(subscription);
        return true;
    }

    private async Task NotifyUnsubscribedAsync(StompSubscription subscription) =>
        await NotifyAsync(_server.SubscriptionListeners, listener => listener.OnUnsubscribedAsync(subscription));

    private async ValueTask RemoveAsync(StompSubscription subscription)
    {
        subscription.Removed = true;
        _server.Broker.Remove(subscription);
        await NotifyAsync(_server.SubscriptionListeners, listener => listener.OnUnsubscribedAsync(subscription));
    }

    private async ValueTask SendAsync(StompFrame frame)
    {
        var destination = Required(frame, "destination");
        var handler = _server.SendHandlers.Find(destination);
        if (handler is null)
        {
            Refuse(StompCommand.Send, destination, new StompRefusal("UNKNOWN_DESTINATION", "No such destination"));
            return;
        }
        StompRefusal? refusal;
        try
        {
            var authorizer = _server.Authorizers.Find(destination);
            refusal = authorizer is null ? null : await authorizer.AuthorizeSendAsync(this, destination, frame, _stopping.Token);
            refusal ??= await handler.HandleAsync(new StompSendContext(this, destination, frame), _stopping.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // A feature's bug (or its own timeout) must not cost the client its connection and other subscriptions.
            StompLog.HandlerFailed(_server.Logger, ex, SessionId, destination);
            refusal = new StompRefusal("INTERNAL_ERROR", "The server could not handle this message");
        }
        if (refusal is not null) Refuse(StompCommand.Send, destination, refusal);
    }

    /// <summary>
    /// Reports a refusal on this session's /user/queue/errors subscriptions only (not the user's other sessions: they
    /// did not make the request). The connection stays open.
    /// </summary>
    private void Refuse(StompCommand command, string destination, StompRefusal refusal)
    {
        StompLog.Refused(_server.Logger, SessionId, command.Name(), destination, refusal.Code);
        StompEncodedMessage? message = null;
        StompSubscription[] subscriptions;
        lock (_subscriptionsGate) subscriptions = [.. _subscriptions.Values];
        foreach (var subscription in subscriptions)
        {
            if (subscription.UserKey is null || subscription.Destination != ErrorsDestination) continue;
            message ??= StompEncodedMessage.Create(ErrorsDestination, JsonSerializer.SerializeToUtf8Bytes(
                new RefusalBody(refusal.Code, refusal.Message, destination, refusal.TempId), StompJson.Default.RefusalBody));
            Deliver(subscription, message);
        }
    }
}

internal sealed record RefusalBody(string Code, string Message, string Destination, string? TempId);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RefusalBody))]
internal sealed partial class StompJson : System.Text.Json.Serialization.JsonSerializerContext;
