using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Messages;

/// <summary>
/// A STOMP SEND whose JSON payload becomes one Mediator command, run as the session's user. Any refusal goes back on
/// /user/queue/errors only (docs/api.md §6) — never on the room's topics, which a non-member would otherwise be able to write to.
/// </summary>
public abstract class JsonCommandSendHandler<TPayload>(IServiceScopeFactory scopes, string destination) : IStompSendHandler
    where TPayload : class
{
    public string DestinationPrefix => destination;

    /// <summary>The client's id for the request, echoed in a refusal; null when the payload has none.</summary>
    protected virtual string? TempIdOf(TPayload payload) => null;

    protected abstract Task SendAsync(ISender sender, long userId, TPayload payload, CancellationToken cancellationToken);

    public async ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var refusal = StompJsonPayload.Read<TPayload>(context, DestinationPrefix, out var payload)
            ?? await StompRefusals.RunAsync(TempIdOf(payload), () => SendAsync(scope.ServiceProvider.GetRequiredService<ISender>(),
                long.Parse(context.Session.Principal.UserId, CultureInfo.InvariantCulture), payload, cancellationToken));
        if (refusal is not null)
            scope.ServiceProvider.GetRequiredService<Infrastructure.Observability.ShootMetrics>().SendRefused(DestinationPrefix, refusal.Code);
        return refusal;
    }
}

/// <summary><c>/app/chat</c>: a client's SEND becomes <see cref="SendMessage.Command"/>, with the session's user as sender.</summary>
public sealed class ChatSendHandler(IServiceScopeFactory scopes) : JsonCommandSendHandler<SendMessage.Payload>(scopes, "/app/chat")
{
    protected override string? TempIdOf(SendMessage.Payload payload) => payload.TempId;

    protected override Task SendAsync(ISender sender, long userId, SendMessage.Payload payload, CancellationToken cancellationToken) =>
        sender.Send(new SendMessage.Command(userId, payload.TempId, payload.RoomId, payload.Content, payload.ThreadId, payload.ReplyToMessageId),
            cancellationToken).AsTask();
}

/// <summary>
/// Who may subscribe to a room's topics (<c>/topic/messages/{roomId}</c>, <c>/topic/message/status/{roomId}</c>): its
/// participants. Anyone else is told the room was not found, exactly as for a room that does not exist.
/// </summary>
public sealed class RoomTopicAuthorizer(IServiceScopeFactory scopes, string prefix) : IStompDestinationAuthorizer
{
    public string DestinationPrefix => prefix;

    public async ValueTask<StompRefusal?> AuthorizeSubscribeAsync(IStompSession session, string destination, StompFrame frame, CancellationToken ct)
    {
        if (RoomIdOf(destination, prefix) is not { } roomId)
            return new StompRefusal("NOT_FOUND", "The room was not found.");
        await using var scope = scopes.CreateAsyncScope();
        var userId = long.Parse(session.Principal.UserId, CultureInfo.InvariantCulture);
        return await scope.ServiceProvider.GetRequiredService<RoomMembership>().IsParticipantAsync(roomId, userId, ct)
            ? null
            : new StompRefusal("NOT_FOUND", "The room was not found.");
    }

    /// <summary>Room topics are written by the server only; clients send to /app/… destinations.</summary>
    public ValueTask<StompRefusal?> AuthorizeSendAsync(IStompSession session, string destination, StompFrame frame, CancellationToken ct) =>
        ValueTask.FromResult<StompRefusal?>(new StompRefusal("FORBIDDEN", "Clients cannot send to room topics; send to /app/chat."));

    /// <summary>The room id of "/topic/messages/42": a positive integer and nothing else, or null.</summary>
    public static long? RoomIdOf(string destination, string prefix) =>
        // Listeners see every subscription, so the prefix itself must be checked: "/topic/typing/1" is not an active-users topic.
        destination.Length > prefix.Length && destination.StartsWith(prefix, StringComparison.Ordinal)
        && long.TryParse(destination.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : null;
}

/// <summary>The JSON body of a SEND to exactly one destination, or the refusal that says why it cannot be read.</summary>
public static class StompJsonPayload
{
    public static StompRefusal? Read<TPayload>(StompSendContext context, string destination, out TPayload payload) where TPayload : class
    {
        payload = null!;
        if (context.Destination != destination)
            return new StompRefusal("NOT_FOUND", $"No such destination: {context.Destination}.");
        try
        {
            payload = JsonSerializer.Deserialize<TPayload>(context.Body.Span, ShootJson.Options)!;
        }
        catch (JsonException)
        {
            return new StompRefusal("VALIDATION_FAILED", $"The payload is not valid JSON for {destination}.");
        }
        return payload is null ? new StompRefusal("VALIDATION_FAILED", "The payload is empty.") : null;
    }
}

/// <summary>Turns a handler's refusal (ShootException) into the STOMP error-queue form.</summary>
public static class StompRefusals
{
    public static async Task<StompRefusal?> RunAsync(string? tempId, Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (ShootException e)
        {
            var details = e.Errors is null ? "" : " " + string.Join(" ", e.Errors.SelectMany(f => f.Value.Select(v => $"{f.Key}: {v}")));
            return new StompRefusal(ErrorCodes.WireName(e.Code), e.Message + details, tempId);
        }
        catch (Exception e) when (BackendOutage.Is(e))
        {
            return new StompRefusal(ErrorCodes.WireName(ErrorCode.Unavailable), BackendOutage.ToRefusal().Message, tempId);
        }
    }
}
