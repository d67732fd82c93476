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
/// room's next seq and broadcast in one atomic step; that is all the sender's session waits for. The hand-off to the
/// persistence pipeline goes on without it (<see cref="PersistenceHandOff"/>). The statuses that follow are docs/api.md
/// §8's: SENDING in the same step as the broadcast, SENT_TO_KAFKA from the hand-off, then PROCESSING and SAVED (or
/// FAILED) from the pipeline.
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
        RoomMembership membership, ISqlDatabase database, IMessageStore store, IMessageSequencer sequencer, PersistenceHandOff handOff,
        SendStatusReporter statuses, Sse.RoomActivityAnnouncer activity, ICounterStore counters, IOptionsMonitor<LimitsOptions> limits,
        PipelineMetrics metrics, TimeProvider clock, Infrastructure.Observability.ShootMetrics shootMetrics)
        : ICommandHandler<Command, Sent>
    {
        public async ValueTask<Sent> Handle(Command command, CancellationToken ct)
        {
            var (message, outcome) = await AcceptAsync(command, ct);
            if (outcome.IsDuplicate)
            {
                await statuses.RepeatAsync(message.RoomId, command.TempId!, outcome.Record, ct);
                return new Sent(outcome.Record, null);
            }

            message = message with { Seq = outcome.Record.Seq };
            // Broadcast (with its SENDING) means kept: the hand-off starts at once.
            handOff.Start(message);
            shootMetrics.MessageAccepted();
            statuses.Accepted(message);
            activity.Accepted(message);
            return new Sent(outcome.Record, message);
        }

        /// <summary>
        /// Everything up to the broadcast. A backend down on this path (Redis, a transient database error) refuses the
        /// send with UNAVAILABLE before it is broadcast, so the client's retry with the same tempId is the only copy.
        /// </summary>
        private async Task<(StoredMessage Message, AcceptOutcome Outcome)> AcceptAsync(Command command, CancellationToken ct)
        {
            try
            {
                return await AcceptOrThrowAsync(command, ct);
            }
            catch (Exception e) when (BackendOutage.Is(e))
            {
                metrics.Refused("backend_down");
                throw BackendOutage.ToRefusal();
            }
        }

        private async Task<(StoredMessage Message, AcceptOutcome Outcome)> AcceptOrThrowAsync(Command command, CancellationToken ct)
        {
            var roomId = command.RoomId!.Value;
            await membership.EnsureCanPostAsync(roomId, command.SenderId, ct);
            // Refused before the rate limit counts it and before anything is broadcast: the retry is not a new send.
            handOff.EnsureAdmitting();
            await EnforceRateLimitAsync(command.SenderId, roomId, ct);
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
            var outcome = await sequencer.AcceptAsync(new AcceptRequest(new SendKey(roomId, command.SenderId, command.TempId), message.Id,
                Message.Template(message, "SENDING"), statuses.Sending(message)), ct);
            return (message, outcome);
        }

        /// <summary>The room's send counter (one-second windows) in the shared counter store.</summary>
        public static string RoomCounterKey(long roomId) => $"msg-r:{roomId}";

        private async Task EnforceRateLimitAsync(long userId, long roomId, CancellationToken ct)
        {
            var limit = limits.CurrentValue;
            // The room's own budget is shared by all its senders on every instance (the counter store is Redis when
            // configured): many users within their own limits still cannot flood one room's participants. It is counted
            // last, so a user over their own limit spends none of it.
            var check = await counters.IncrementWithinLimitsAsync(
            [
                new CounterLimit($"msg-s:{userId}", TimeSpan.FromSeconds(1), limit.MessagesPerSecond),
                new CounterLimit($"msg-m:{userId}", TimeSpan.FromMinutes(1), limit.MessagesPerMinute),
                new CounterLimit(RoomCounterKey(roomId), TimeSpan.FromSeconds(1), limit.RoomMessagesPerSecond),
            ], ct);
            if (check.Exceeded < 0)
                return;
            throw ShootException.RateLimited(check.State.TimeLeft, check.Exceeded switch
            {
                0 => $"At most {limit.MessagesPerSecond} messages per second.",
                1 => $"At most {limit.MessagesPerMinute} messages per minute.",
                _ => $"At most {limit.RoomMessagesPerSecond} messages per second in one room.",
            });
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
