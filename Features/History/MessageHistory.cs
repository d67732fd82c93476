using System.Globalization;
using System.Security.Claims;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Reading messages (docs/api.md §5): a room's history, one message, one thread. Only participants of the message's room
/// may read; anyone else gets 404, as if it did not exist. Messages appear here once stored (status SAVED).
/// </summary>
public static class MessageHistory
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    /// <summary>The route constraint for a message id: 24 lowercase hex characters.</summary>
    public const string MessageIdRoute = "{messageId:regex(^[0-9a-f]{{24}}$)}";

    /// <summary>
    /// A room id after <c>/api/v1/messages/</c>, where a message id may stand too: at most 20 characters (a long has 19
    /// digits and a sign), so a 24-digit message id such as <c>000000000000000000000000</c> is never also a room id and
    /// the two routes cannot both match (which ASP.NET Core answers with a 500).
    /// </summary>
    public const string RoomIdRoute = "{roomId:long:maxlength(20)}";

    public sealed record Page(IReadOnlyList<Message> Items, string? NextCursor);

    public sealed record ThreadPage(Message Root, IReadOnlyList<Message> Items, string? NextCursor);

    /// <summary>
    /// Newest first, or with <c>afterSeq</c> oldest first. <c>nextCursor</c> is what to pass next: the oldest id of the page
    /// as <c>before</c> (newest-first paging), or the highest seq as <c>afterSeq</c>; null on the last page.
    /// </summary>
    public sealed record GetRoomHistory(long UserId, long RoomId, string? Before, string? After, long? AfterSeq, int? Limit) : IQuery<Page>;

    public sealed record GetMessage(long UserId, string MessageId) : IQuery<Message>;

    public sealed record GetThread(long UserId, string? ThreadId, string? Before, int? Limit) : IQuery<ThreadPage>;

    public sealed class RoomHistoryValidator : AbstractValidator<GetRoomHistory>
    {
        public RoomHistoryValidator()
        {
            RuleFor(q => q.Before).Must(Infrastructure.Messaging.MessageId.IsValid).When(q => q.Before is not null).WithMessage("before must be a message id.");
            RuleFor(q => q.After).Must(Infrastructure.Messaging.MessageId.IsValid).When(q => q.After is not null).WithMessage("after must be a message id.");
            RuleFor(q => q.AfterSeq).GreaterThanOrEqualTo(0).When(q => q.AfterSeq is not null).WithMessage("afterSeq must be 0 or more.");
            RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be 1 to {MaxLimit}.");
        }
    }

    public sealed class ThreadValidator : AbstractValidator<GetThread>
    {
        public ThreadValidator()
        {
            RuleFor(q => q.ThreadId).Must(Infrastructure.Messaging.MessageId.IsValid).WithMessage("threadId must be a message id.");
            RuleFor(q => q.Before).Must(Infrastructure.Messaging.MessageId.IsValid).When(q => q.Before is not null).WithMessage("before must be a message id.");
            RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be 1 to {MaxLimit}.");
        }
    }

    /// <summary>readCount comes from the room's read positions, read once per page (<see cref="ReadPositions"/>).</summary>
    public sealed class Handler(IMessageStore store, RoomMembership membership, ReadPositions reads)
        : IQueryHandler<GetRoomHistory, Page>, IQueryHandler<GetMessage, Message>, IQueryHandler<GetThread, ThreadPage>
    {
        public async ValueTask<Page> Handle(GetRoomHistory query, CancellationToken ct)
        {
            await membership.EnsureParticipantAsync(query.RoomId, query.UserId, ct);
            var limit = query.Limit ?? DefaultLimit;
            var items = await store.PageAsync(new MessagePage(query.RoomId, limit, query.Before, query.After, query.AfterSeq), ct);
            string? next = items.Count < limit ? null
                : query.AfterSeq is null ? items[^1].Id
                : items[^1].Seq.ToString(CultureInfo.InvariantCulture);
            return new Page(await reads.ViewAsync(query.RoomId, items, ct), next);
        }

        public async ValueTask<Message> Handle(GetMessage query, CancellationToken ct) =>
            await reads.ViewAsync(await FindVisibleAsync(store, membership, query.MessageId, query.UserId, ct), ct);

        public async ValueTask<ThreadPage> Handle(GetThread query, CancellationToken ct)
        {
            var root = await FindVisibleAsync(store, membership, query.ThreadId!, query.UserId, ct);
            var limit = query.Limit ?? DefaultLimit;
            var replies = await store.PageAsync(new MessagePage(root.RoomId, limit, query.Before, ThreadId: root.Id), ct);
            var views = await reads.ViewAsync(root.RoomId, [root, .. replies], ct);
            return new ThreadPage(views[0], views.Skip(1).ToList(), replies.Count < limit ? null : replies[^1].Id);
        }
    }

    /// <summary>A stored message the caller may see (a participant of its room); 404 otherwise, whether or not it exists.</summary>
    public static async Task<Infrastructure.Messaging.StoredMessage> FindVisibleAsync(
        IMessageStore store, RoomMembership membership, string messageId, long userId, CancellationToken ct) =>
        (await FindVisibleWithMembershipAsync(store, membership, messageId, userId, ct)).Message;

    /// <summary>As <see cref="FindVisibleAsync"/>, with the caller's membership of the message's room (their role there).</summary>
    public static async Task<(Infrastructure.Messaging.StoredMessage Message, Membership Membership)> FindVisibleWithMembershipAsync(
        IMessageStore store, RoomMembership membership, string messageId, long userId, CancellationToken ct)
    {
        var message = await store.FindAsync(messageId, ct);
        var member = message is null ? null : await membership.FindAsync(message.RoomId, userId, ct);
        return message is not null && member is not null ? (message, member) : throw ShootException.NotFound("The message");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/messages").WithTags("Messages");
            group.MapGet("/" + RoomIdRoute, async (long roomId, string? before, string? after, long? afterSeq, int? limit,
                    ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new GetRoomHistory(user.UserId(), roomId, before, after, afterSeq, limit), ct)))
                .WithSummary("A room's stored messages: newest first, or oldest first after a seq");
            group.MapGet("/" + MessageIdRoute, async (string messageId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new GetMessage(user.UserId(), messageId), ct)))
                .WithSummary("One message");
            group.MapGet("/thread", async (string? threadId, string? before, int? limit, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new GetThread(user.UserId(), threadId, before, limit), ct)))
                .WithSummary("A thread: its root and its replies, newest first");
        }
    }
}
