using System.Security.Claims;
using Microsoft.Extensions.Options;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// <c>POST /api/v1/messages/forward</c>: a stored message goes to other rooms as new messages of the caller, each with
/// <c>forwardedFrom</c> naming the original, through the same send as <c>/app/chat</c> (seq, broadcast, pipeline,
/// statuses on each room's status topic). The caller must be in the source room and in every target room; all are
/// checked before anything is sent. An <c>additionalContent</c> comment goes to each target room as a message of its
/// own right before the forwarded one (as chat apps show a forward with a comment), so the original's text stays as
/// it was. Answers the messages created, in the order sent.
/// </summary>
public static class ForwardMessage
{
    /// <summary>Target rooms per forward: each costs one or two messages against the sender's message rate limits.</summary>
    public const int MaxTargetRooms = 10;

    public sealed record Body(string? MessageId, IReadOnlyList<long>? TargetRoomIds, string? AdditionalContent);

    public sealed record Command(long UserId, string? MessageId, IReadOnlyList<long>? TargetRoomIds, string? AdditionalContent)
        : ICommand<ItemList<Message>>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator(IOptions<LimitsOptions> limits)
        {
            // Separate rules: a When at the end of a chain would also guard the NotNull/NotEmpty before it.
            RuleFor(c => c.MessageId).NotNull().WithMessage("messageId is required.");
            RuleFor(c => c.MessageId).Must(Infrastructure.Messaging.MessageId.IsValid).When(c => c.MessageId is not null)
                .WithMessage("messageId must be a message id.");
            RuleFor(c => c.TargetRoomIds).NotEmpty().WithMessage("targetRoomIds must name at least one room.");
            RuleFor(c => c.TargetRoomIds)
                .Must(ids => ids!.Count <= MaxTargetRooms).WithMessage($"targetRoomIds may name at most {MaxTargetRooms} rooms.")
                .Must(ids => ids!.All(id => id > 0)).WithMessage("targetRoomIds must be room ids.")
                .Must(ids => ids!.Distinct().Count() == ids!.Count).WithMessage("targetRoomIds must not repeat a room.")
                .When(c => c.TargetRoomIds is { Count: > 0 });
            RuleFor(c => c.AdditionalContent)
                .MaximumLength(limits.Value.MessageTextMaxLength)
                .WithMessage($"additionalContent must be at most {limits.Value.MessageTextMaxLength} characters.");
        }
    }

    public sealed class Handler(IMessageStore store, RoomMembership membership, ISender sender)
        : ICommandHandler<Command, ItemList<Message>>
    {
        public async ValueTask<ItemList<Message>> Handle(Command command, CancellationToken ct)
        {
            var original = await MessageHistory.FindVisibleAsync(store, membership, command.MessageId!, command.UserId, ct);
            if (original.IsDeleted)
                throw ShootException.Conflict("A deleted message cannot be forwarded.");
            // Every target first: a room the caller is not in fails the whole forward before anything is sent.
            foreach (var roomId in command.TargetRoomIds!)
                await membership.EnsureParticipantAsync(roomId, command.UserId, ct);

            var origin = new ForwardedFrom(original.Id, original.RoomId, original.SenderId);
            var comment = string.IsNullOrWhiteSpace(command.AdditionalContent) ? null : command.AdditionalContent;
            var created = new List<Message>();
            foreach (var roomId in command.TargetRoomIds!)
            {
                if (comment is not null)
                    created.Add(await SendAsync(new SendMessage.Command(command.UserId, null, roomId, new SendMessage.ContentBody(comment, "TEXT"), null, null), ct));
                created.Add(await SendAsync(new SendMessage.Command(command.UserId, null, roomId,
                    new SendMessage.ContentBody(original.Text, original.Type), null, null, origin), ct));
            }
            return new ItemList<Message>(created);
        }

        private async Task<Message> SendAsync(SendMessage.Command send, CancellationToken ct)
        {
            var sent = await sender.Send(send, ct);
            // No tempId, so never a repeat: the send always made the message.
            return Message.From(sent.Message!, sent.Record.Status, readCount: 0);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/api/v1/messages/forward", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), body.MessageId, body.TargetRoomIds, body.AdditionalContent), ct)))
                .WithTags("Messages")
                .WithSummary("Forward a stored message to rooms the caller is in (with an optional comment sent before it in each room)");
    }
}
