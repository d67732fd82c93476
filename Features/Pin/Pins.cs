using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Pins (<c>POST /api/v1/messages/pin {messageId}</c>, <c>DELETE /api/v1/messages/pin/{messageId}</c>,
/// <c>GET /api/v1/messages/pins/{roomId}</c>). Pinning and unpinning is for those who moderate the room
/// (<see cref="Membership.CanModerate"/>: a GROUP room's OWNER and ADMINs, either side of an INDIVIDUAL room); every
/// participant sees the pins. At most <see cref="MaxPerRoom"/> per room, held by the store even when pins race on
/// several instances. Pinning a pinned message or unpinning an unpinned one answers it unchanged; a deleted message
/// cannot be pinned (deleting one unpins it). A change is broadcast whole on /topic/messages/{roomId}.
/// </summary>
public static class Pins
{
    public const int MaxPerRoom = 3;

    public sealed record PinBody(string? MessageId);

    /// <summary><see cref="Pinned"/>: true to pin, false to unpin.</summary>
    public sealed record SetPin(long UserId, string? MessageId, bool Pinned) : ICommand<Message>;

    /// <summary>A room's pinned messages, most recently pinned first.</summary>
    public sealed record ListPins(long UserId, long RoomId) : IQuery<ItemList<Message>>;

    public sealed class Validator : AbstractValidator<SetPin>
    {
        public Validator() => RuleFor(c => c.MessageId).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("messageId is required.")
            .Must(Infrastructure.Messaging.MessageId.IsValid).WithMessage("messageId must be a message id.");
    }

    public sealed class Handler(IMessageStore store, IPinStore pins, RoomMembership membership, ReadPositions reads, ChangedMessageBroadcaster changes, TimeProvider clock)
        : ICommandHandler<SetPin, Message>, IQueryHandler<ListPins, ItemList<Message>>
    {
        public async ValueTask<Message> Handle(SetPin command, CancellationToken ct)
        {
            // 404 before 403: whoever is not in the room learns nothing about the message, not even that pinning is refused.
            var (message, member) = await MessageHistory.FindVisibleWithMembershipAsync(store, membership, command.MessageId!, command.UserId, ct);
            member.EnsureCanModerate(command.Pinned ? "pin messages" : "unpin messages");
            if (!command.Pinned)
            {
                return message.IsPinned
                    ? await changes.BroadcastAsync(await pins.UnpinAsync(message.Id, ct) ?? throw ShootException.NotFound("The message"), ct)
                    : await reads.ViewAsync(message, ct);
            }
            if (message.IsDeleted)
                throw DeletedConflict();
            if (message.IsPinned)
                return await reads.ViewAsync(message, ct);
            var result = await pins.PinAsync(message.Id, command.UserId, clock.GetUtcNow(), MaxPerRoom, ct);
            return result.Outcome switch
            {
                PinOutcome.Pinned => await changes.BroadcastAsync(result.Message!, ct),
                PinOutcome.AlreadyPinned => await reads.ViewAsync(result.Message!, ct),
                PinOutcome.LimitReached => throw ShootException.Conflict($"A room holds at most {MaxPerRoom} pinned messages; unpin one first."),
                PinOutcome.Deleted => throw DeletedConflict(),
                _ => throw ShootException.NotFound("The message"),
            };
        }

        public async ValueTask<ItemList<Message>> Handle(ListPins query, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(query.RoomId, query.UserId, ct);
            return new ItemList<Message>(await reads.ViewAsync(query.RoomId, await pins.PinnedAsync(query.RoomId, ct), ct));
        }

        private static ShootException DeletedConflict() => ShootException.Conflict("A deleted message cannot be pinned.");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/messages").WithTags("Messages");
            group.MapPost("/pin", async (PinBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new SetPin(user.UserId(), body.MessageId, Pinned: true), ct)))
                .WithSummary($"Pin a message (room OWNER/ADMIN; either side of an INDIVIDUAL room; at most {MaxPerRoom} per room, else 409)");
            group.MapDelete("/pin/" + MessageHistory.MessageIdRoute, async (string messageId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new SetPin(user.UserId(), messageId, Pinned: false), ct)))
                .WithSummary("Unpin a message (room OWNER/ADMIN; either side of an INDIVIDUAL room)");
            group.MapGet("/pins/{roomId:long}", async (long roomId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new ListPins(user.UserId(), roomId), ct)))
                .WithSummary("A room's pinned messages, most recently pinned first");
        }
    }
}
