using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Reactions (<c>POST /api/v1/messages/reaction {messageId, reaction}</c>, <c>DELETE /api/v1/messages/reaction?messageId=&amp;reaction=</c>):
/// any participant of the message's room adds or takes back one of the reactions of docs/api.md §5, by name or by its emoji.
/// A user holds each reaction at most once, so adding it twice or taking back one not held answers the message
/// unchanged. A deleted message takes no reactions (409). A change is broadcast whole on /topic/messages/{roomId}.
/// </summary>
public static class Reactions
{
    /// <summary>
    /// The reactions of docs/api.md §5 and the one emoji each also goes by; the name is what is stored and shown (the keys of
    /// <c>reactions</c>). No emoji serves two names: thumbsup has 👍, so like, which might have had it, is 👌.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Emoji)> Known =
    [
        ("like", "👌"), ("love", "❤️"), ("laugh", "😂"), ("wow", "😮"), ("sad", "😢"), ("angry", "😠"), ("thumbsup", "👍"), ("thumbsdown", "👎"),
    ];

    /// <summary>"like 👌, love ❤️, …", for messages and API summaries.</summary>
    public static string Listing { get; } = string.Join(", ", Known.Select(r => $"{r.Name} {r.Emoji}"));

    /// <summary>
    /// The name <paramref name="reaction"/> stands for: a name in any case, or its emoji with or without the emoji
    /// presentation selector (U+FE0F: ❤ and ❤️ are one heart) and skin tones (👍🏽 is thumbsup). Null for anything else.
    /// </summary>
    public static string? NameOf(string? reaction)
    {
        if (string.IsNullOrEmpty(reaction))
            return null;
        var bare = Bare(reaction);
        foreach (var (name, emoji) in Known)
        {
            if (string.Equals(reaction, name, StringComparison.OrdinalIgnoreCase) || bare == Bare(emoji))
                return name;
        }
        return null;
    }

    private static string Bare(string emoji) =>
        string.Concat(emoji.EnumerateRunes().Where(r => r.Value != 0xFE0F && r.Value is not (>= 0x1F3FB and <= 0x1F3FF)).Select(r => r.ToString()));

    public sealed record Body(string? MessageId, string? Reaction);

    /// <summary><see cref="Held"/>: true to add the reaction, false to take it back.</summary>
    public sealed record Command(long UserId, string? MessageId, string? Reaction, bool Held) : ICommand<Message>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.MessageId).Cascade(CascadeMode.Stop)
                .NotEmpty().WithMessage("messageId is required.")
                .Must(Infrastructure.Messaging.MessageId.IsValid).WithMessage("messageId must be a message id.");
            RuleFor(c => c.Reaction).Cascade(CascadeMode.Stop)
                .NotEmpty().WithMessage("reaction is required.")
                .Must(r => NameOf(r) is not null).WithMessage($"reaction must be one of {Listing} (the name or the emoji).");
        }
    }

    public sealed class Handler(IMessageStore store, IReactionStore reactions, RoomMembership membership, ReadPositions reads, ChangedMessageBroadcaster changes)
        : ICommandHandler<Command, Message>
    {
        public async ValueTask<Message> Handle(Command command, CancellationToken ct)
        {
            var message = await MessageHistory.FindVisibleAsync(store, membership, command.MessageId!, command.UserId, ct);
            if (message.IsDeleted)
                throw DeletedConflict();
            var name = NameOf(command.Reaction)!;
            var holds = message.Reactions.TryGetValue(name, out var holders) && holders.Contains(command.UserId);
            if (holds == command.Held)
                return await reads.ViewAsync(message, ct);
            var changed = await (command.Held
                    ? reactions.AddReactionAsync(message.Id, name, command.UserId, ct)
                    : reactions.RemoveReactionAsync(message.Id, name, command.UserId, ct))
                ?? throw DeletedConflict();
            return await changes.BroadcastAsync(changed, ct);
        }

        private static ShootException DeletedConflict() => ShootException.Conflict("A deleted message cannot be reacted to.");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/messages").WithTags("Messages");
            group.MapPost("/reaction", async (Body body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Command(user.UserId(), body.MessageId, body.Reaction, Held: true), ct)))
                .WithSummary($"React to a message (participants; once per reaction): {Listing} — the name or the emoji, shown by name");
            group.MapDelete("/reaction", async (string? messageId, string? reaction, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Command(user.UserId(), messageId, reaction, Held: false), ct)))
                .WithSummary($"Take a reaction back ({Listing}, by name or emoji); one not held leaves the message unchanged");
        }
    }
}
