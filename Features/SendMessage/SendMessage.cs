using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Options;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.RateLimiting;

namespace Shoot.Features.Messages;

/// <summary>
/// A new message (STOMP <c>/app/chat</c>; scheduled and forwarded messages use the same command): checked, given its
/// room's next seq and broadcast in one atomic step, then handed to the persistence pipeline. The statuses that follow
/// are contract §8's: SENDING, SENT_TO_KAFKA, then PROCESSING and SAVED (or FAILED) from the pipeline's consumer.
/// </summary>
public static partial class SendMessage
{
    public static readonly string[] Types = ["TEXT", "URL", "EMOTICON", "FILE"];

    public sealed record ContentBody(string? Text, string? Type);

    /// <summary>The /app/chat payload. The sender is the session's user, never a field of the payload.</summary>
    public sealed record Payload(string? TempId, long? RoomId, ContentBody? Content, string? ThreadId, string? ReplyToMessageId);

    public sealed record Command(long SenderId, string? TempId, long? RoomId, ContentBody? Content, string? ThreadId, string? ReplyToMessageId,
        ForwardedFrom? ForwardedFrom = null) : ICommand<Sent>;

    /// <summary>What became of a send: where it got to, and the message when this send created it (null: a repeated tempId).</summary>
    public sealed record Sent(SendRecord Record, StoredMessage? Message);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator(IOptions<LimitsOptions> limits)
        {
            RuleFor(c => c.RoomId).NotNull().WithMessage("roomId is required.").GreaterThan(0);
            RuleFor(c => c.TempId).MaximumLength(100).WithMessage("tempId must be at most 100 characters.");
            RuleFor(c => c.Content).NotNull().WithMessage("content is required.");
            RuleFor(c => c.Content!.Text).NotEmpty().WithMessage("content.text is required.")
                .MaximumLength(limits.Value.MessageTextMaxLength).WithMessage($"content.text must be at most {limits.Value.MessageTextMaxLength} characters.")
                .When(c => c.Content is not null);
            RuleFor(c => c.Content!.Type).Must(t => t is null || Types.Contains(t)).WithMessage("content.type must be TEXT, URL, EMOTICON or FILE.")
                .When(c => c.Content is not null);
            RuleFor(c => c.ThreadId).Must(MessageId.IsValid).When(c => c.ThreadId is not null).WithMessage("threadId must be a message id.");
            RuleFor(c => c.ReplyToMessageId).Must(MessageId.IsValid).When(c => c.ReplyToMessageId is not null).WithMessage("replyToMessageId must be a message id.");
        }
    }

    public sealed partial class Handler(
        RoomMembership membership, ISqlDatabase database, IMessageStore store, IMessageSequencer sequencer, IPersistencePipeline pipeline,
        SendStatusReporter statuses, Sse.RoomActivityAnnouncer activity, ICounterStore counters, IOptionsMonitor<LimitsOptions> limits,
        TimeProvider clock, Infrastructure.Observability.ShootMetrics metrics)
        : ICommandHandler<Command, Sent>
    {
        public async ValueTask<Sent> Handle(Command command, CancellationToken ct)
        {
            var roomId = command.RoomId!.Value;
            await membership.EnsureParticipantAsync(roomId, command.SenderId, ct);
            await EnforceRateLimitAsync(command.SenderId, ct);
            await EnsureInRoomAsync(command.ThreadId, roomId, "threadId", ct);
            await EnsureInRoomAsync(command.ReplyToMessageId, roomId, "replyToMessageId", ct);

            var now = clock.GetUtcNow();
            var message = new StoredMessage
            {
                Id = Infrastructure.Messaging.MessageId.New(now), RoomId = roomId, Seq = 0, SenderId = command.SenderId, TempId = command.TempId,
                Text = command.Content!.Text!, Type = command.Content.Type ?? "TEXT", ThreadId = command.ThreadId,
                ReplyToMessageId = command.ReplyToMessageId, ForwardedFrom = command.ForwardedFrom,
                Mentions = await ResolveMentionsAsync(roomId, command.Content.Text!, ct), CreatedAt = now, UpdatedAt = now,
            };
            var (before, after) = Message.SplitAroundSeq(message, "SENDING");
            var outcome = await sequencer.AcceptAsync(new AcceptRequest(
                new SendKey(roomId, command.SenderId, command.TempId), message.Id, MessageTopics.Messages(roomId), before, after), ct);
            if (outcome.IsDuplicate)
            {
                await statuses.RepeatAsync(roomId, command.TempId!, outcome.Record, ct);
                return new Sent(outcome.Record, null);
            }

            message = message with { Seq = outcome.Record.Seq };
            metrics.MessageAccepted();
            activity.Accepted(message);
            await statuses.ReportAsync(message, "SENDING", ct: ct);
            try
            {
                await pipeline.EnqueueAsync(message, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Broadcast but never persisted: its seq stays a gap in the history, as the contract says of FAILED sends.
                await statuses.ReportAsync(message, "FAILED", "The message could not be handed to the persistence pipeline.", CancellationToken.None);
                await activity.GoneAsync(message, CancellationToken.None);
                return new Sent(outcome.Record with { Status = "FAILED" }, message);
            }
            await statuses.ReportAsync(message, "SENT_TO_KAFKA", ct: ct);
            return new Sent(outcome.Record with { Status = "SENT_TO_KAFKA" }, message);
        }

        private async Task EnforceRateLimitAsync(long userId, CancellationToken ct)
        {
            var limit = limits.CurrentValue;
            var perSecond = await counters.IncrementAsync($"msg-s:{userId}", TimeSpan.FromSeconds(1), ct);
            if (perSecond.Count > limit.MessagesPerSecond)
                throw ShootException.RateLimited(perSecond.TimeLeft, $"At most {limit.MessagesPerSecond} messages per second.");
            var perMinute = await counters.IncrementAsync($"msg-m:{userId}", TimeSpan.FromMinutes(1), ct);
            if (perMinute.Count > limit.MessagesPerMinute)
                throw ShootException.RateLimited(perMinute.TimeLeft, $"At most {limit.MessagesPerMinute} messages per minute.");
        }

        private async Task EnsureInRoomAsync(string? messageId, long roomId, string field, CancellationToken ct)
        {
            if (messageId is null)
                return;
            var target = await store.FindAsync(messageId, ct);
            if (target is null || target.RoomId != roomId)
                throw ShootException.Invalid(field, $"{field} must name a message of this room.");
        }

        /// <summary>Mentions are @username tokens that name a participant of the room; anything else is plain text.</summary>
        private async Task<IReadOnlyList<long>> ResolveMentionsAsync(long roomId, string text, CancellationToken ct)
        {
            var names = MentionPattern().Matches(text).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().ToArray();
            if (names.Length == 0)
                return [];
            await using var connection = await database.OpenAsync(ct);
            const string Participants = "SELECT u.id FROM room_participants p JOIN users u ON u.id = p.user_id WHERE p.room_id = @roomId";
            var ids = await connection.QueryAsync<long>(database.Sql(
                sqlite: Participants + " AND u.username_normalized IN @names ORDER BY u.id",
                postgres: Participants + " AND u.username_normalized = ANY(@names) ORDER BY u.id"), new { roomId, names });
            return ids.ToList();
        }

        [GeneratedRegex(@"(?<![\w@])@([a-zA-Z0-9_]{3,20})(?![a-zA-Z0-9_])")]
        private static partial Regex MentionPattern();
    }
}
