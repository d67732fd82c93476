using System.Security.Claims;
using Dapper;
using Microsoft.Extensions.Options;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Messages;

/// <summary>
/// Edit (<c>PUT /api/v1/messages/{id}</c>: the sender, within 24 hours, not deleted) and soft delete
/// (<c>DELETE</c>: the sender; it also drops the message's reactions and pin). The changed message is broadcast whole
/// on /topic/messages/{roomId}; clients upsert it.
/// </summary>
public static class ChangeMessage
{
    public static readonly TimeSpan EditWindow = TimeSpan.FromHours(24);

    public sealed record EditBody(string? Text);

    public sealed record Edit(long UserId, string MessageId, string? Text) : ICommand<Message>;

    public sealed record Delete(long UserId, string MessageId) : ICommand<Empty>;

    public sealed class EditValidator : AbstractValidator<Edit>
    {
        public EditValidator(IOptions<LimitsOptions> limits) => RuleFor(c => c.Text)
            .NotEmpty().WithMessage("text is required.")
            .MaximumLength(limits.Value.MessageTextMaxLength).WithMessage($"text must be at most {limits.Value.MessageTextMaxLength} characters.");
    }

    public sealed class Handler(IMessageStore store, RoomMembership membership, ChangedMessageBroadcaster changes, TimeProvider clock,
        ISqlDatabase database, Sse.RoomActivityAnnouncer activity, MessagePreviews previews, MessageTextCodec codec)
        : ICommandHandler<Edit, Message>, ICommandHandler<Delete, Empty>
    {
        // A room list shows its lastMessage's text, so an edit or a delete of that message shows there too.
        private const string RoomLastTextSql = "UPDATE rooms SET last_message_text = @Text WHERE id = @RoomId AND last_message_id = @Id";

        public async ValueTask<Message> Handle(Edit command, CancellationToken ct)
        {
            var message = await FindOwnAsync(command.UserId, command.MessageId, ct);
            var now = clock.GetUtcNow();
            if (message.IsDeleted)
                throw ShootException.Conflict("A deleted message cannot be edited.");
            if (now - message.CreatedAt > EditWindow)
                throw ShootException.Conflict("A message can be edited for 24 hours after it was sent.");
            var edited = await store.EditTextAsync(message.Id, command.Text!, now, ct)
                ?? throw ShootException.Conflict("A deleted message cannot be edited.");
            edited = await previews.RefreshAfterEditAsync(message, edited, ct);
            await UpdateRoomLastMessageAsync(edited, ct);
            activity.Changed(edited.RoomId);
            return await changes.BroadcastAsync(edited, ct);
        }

        public async ValueTask<Empty> Handle(Delete command, CancellationToken ct)
        {
            var message = await FindOwnAsync(command.UserId, command.MessageId, ct);
            var deleted = await store.SoftDeleteAsync(message.Id, clock.GetUtcNow(), ct) ?? throw ShootException.NotFound("The message");
            await UpdateRoomLastMessageAsync(deleted, ct);
            await activity.GoneAsync(deleted, ct);
            await changes.BroadcastAsync(deleted, ct);
            return Empty.Value;
        }

        private async Task UpdateRoomLastMessageAsync(StoredMessage message, CancellationToken ct)
        {
            await using var connection = await database.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(RoomLastTextSql,
                new { Text = Rooms.RoomRow.SealText(codec, message.Text, message.Id), message.RoomId, message.Id }, cancellationToken: ct));
        }

        private async Task<StoredMessage> FindOwnAsync(long userId, string messageId, CancellationToken ct)
        {
            var message = await MessageHistory.FindVisibleAsync(store, membership, messageId, userId, ct);
            return message.SenderId == userId ? message : throw ShootException.Forbidden("Only the sender may change a message.");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/messages").WithTags("Messages");
            group.MapPut("/" + MessageHistory.MessageIdRoute, async (string messageId, EditBody body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Edit(user.UserId(), messageId, body.Text), ct)))
                .WithSummary("Edit a message's text (sender, within 24 hours)");
            group.MapDelete("/" + MessageHistory.MessageIdRoute, async (string messageId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Delete(user.UserId(), messageId), ct)))
                .WithSummary("Delete a message (sender; soft delete)");
        }
    }
}
