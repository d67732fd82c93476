using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Messages;

/// <summary>
/// Mark read (<c>POST /api/v1/messages/mark-read</c> and STOMP <c>/app/read</c>): moves the caller's read position in a
/// room forward to a message of that room (stored, or delivered and still on its way to the store), or with no
/// messageId to the room's newest message. A position
/// never moves back: reading an older message answers the position as it is. Answers the position and what is left unread.
/// </summary>
public static class MarkRead
{
    public sealed record Body(long? RoomId, string? MessageId);

    public sealed record Command(long UserId, long? RoomId, string? MessageId) : ICommand<Response>;

    public sealed record Response(long RoomId, string? LastReadMessageId, long UnreadCount);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.RoomId).NotNull().WithMessage("roomId is required.").GreaterThan(0);
            RuleFor(c => c.MessageId).Must(Infrastructure.Messaging.MessageId.IsValid).When(c => c.MessageId is not null)
                .WithMessage("messageId must be a message id.");
        }
    }

    /// <summary>How far below the store's newest seq a message may still be on its way (stored out of order by two instances).</summary>
    private const int InFlightMargin = 100;

    public sealed class Handler(IMessageStore store, IMessageSequencer sequencer, RoomMembership membership, ReadPositions reads,
        ReadCountBroadcaster broadcaster, Sse.RoomActivityAnnouncer activity, UnreadCounts unread)
        : ICommandHandler<Command, Response>
    {
        public async ValueTask<Response> Handle(Command command, CancellationToken ct)
        {
            var roomId = command.RoomId!.Value;
            // Membership first: a non-member learns nothing, not even whether the message exists.
            await membership.EnsureParticipantAsync(roomId, command.UserId, ct);
            var target = await TargetAsync(roomId, command.MessageId, ct);
            var move = target is null
                ? new ReadPositions.Move(null, (await reads.ForRoomAsync(roomId, ct)).FirstOrDefault(r => r.UserId == command.UserId)?.LastReadMessageId)
                : await reads.AdvanceAsync(command.UserId, target, ct);
            await broadcaster.OnMovedAsync(roomId, move, ct);
            if (move.Moved)
                activity.ReaderMoved(roomId, command.UserId);
            var count = (await unread.ForRoomAsync(roomId, [command.UserId], ct: ct)).FirstOrDefault()?.Count ?? 0;
            return new Response(roomId, move.Now, count);
        }

        /// <summary>
        /// The message to read up to: the given one (404 unless a message of this room), else the room's newest message;
        /// null for an empty room. Either may still be on its way to the store.
        /// </summary>
        private async Task<StoredMessage?> TargetAsync(long roomId, string? messageId, CancellationToken ct)
        {
            if (messageId is null)
            {
                // The whole room is everything delivered, including messages accepted after the newest stored one.
                var newestStored = (await store.PageAsync(new MessagePage(roomId, 1), ct)).FirstOrDefault();
                var newestAccepted = await sequencer.LatestAsync(roomId, ct);
                return newestAccepted is not null && newestAccepted.Seq > (newestStored?.Seq ?? 0)
                    ? AcceptedMessage.From(roomId, newestAccepted).ToReadTarget()
                    : newestStored;
            }
            var message = await store.FindAsync(messageId, ct) ?? await AcceptedAsync(roomId, messageId, ct);
            return message is not null && message.RoomId == roomId ? message : throw ShootException.NotFound("The message");
        }

        /// <summary>
        /// A message delivered moments ago may not be stored yet (the pipeline takes milliseconds, Kafka longer), yet a
        /// client reads what it was delivered: such a message is found in its room's recent ring. Messages on their way
        /// are the newest ones, so only the ring's entries past the store's newest seq (less a margin for messages
        /// stored out of order) are looked at.
        /// </summary>
        private async Task<StoredMessage?> AcceptedAsync(long roomId, string messageId, CancellationToken ct)
        {
            var afterSeq = Math.Max(0, await store.MaxSeqAsync(roomId, ct) - InFlightMargin);
            var entry = (await sequencer.RecentAsync(roomId, afterSeq, ct))
                .LastOrDefault(recent => AcceptedMessage.IdOf(recent.Payload) == messageId);
            return entry is null ? null : AcceptedMessage.From(roomId, entry).ToReadTarget();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGroup("/api/v1/messages").WithTags("Messages")
                .MapPost("/mark-read", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Command(user.UserId(), body.RoomId, body.MessageId), ct)))
                .WithSummary("Move the caller's read position forward (no messageId: to the room's newest message)");
    }
}

/// <summary><c>/app/read</c>: the same command as the REST call, as the session's user.</summary>
public sealed class ReadSendHandler(IServiceScopeFactory scopes) : JsonCommandSendHandler<MarkRead.Body>(scopes, "/app/read")
{
    protected override Task SendAsync(ISender sender, long userId, MarkRead.Body payload, CancellationToken cancellationToken) =>
        sender.Send(new MarkRead.Command(userId, payload.RoomId, payload.MessageId), cancellationToken).AsTask();
}
