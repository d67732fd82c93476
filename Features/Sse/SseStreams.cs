using System.Globalization;
using System.Security.Claims;
using Shoot.Features.Messages;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Sse;

/// <summary>
/// The three Server-Sent Event streams of docs/api.md §7. The token comes from the Authorization header or, for
/// EventSource, <c>?token=</c>. A user's streams are the user's alone (403 for another's); a message's read-count
/// stream is for the participants of its room (404 otherwise, as for a message that does not exist).
/// </summary>
public static class SseStreams
{
    public static string Updates(long userId) => "updates:" + userId.ToString(CultureInfo.InvariantCulture);
    public static string Unread(long userId) => "unread:" + userId.ToString(CultureInfo.InvariantCulture);
    public static string ReadCount(long roomId, string messageId) => $"read-count:{roomId}:{messageId}";

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/sse").WithTags("Server-Sent Events");
            group.MapGet("/updates/{userId:long}", (long userId, HttpContext context, ClaimsPrincipal user, SseHub hub, SseListeners listeners, UnreadCounts unread) =>
                    OwnStreamAsync(context, user, userId, hub, Updates(userId), listeners, unread))
                .WithSummary("room-update, room-created, room-removed, friend-added, friend-removed (text/event-stream)")
                .Produces<string>(StatusCodes.Status200OK, SseResponse.ContentType);
            group.MapGet("/unread/{userId:long}", (long userId, HttpContext context, ClaimsPrincipal user, SseHub hub, SseListeners listeners, UnreadCounts unread) =>
                    OwnStreamAsync(context, user, userId, hub, Unread(userId), listeners, unread))
                .WithSummary("unread (text/event-stream)")
                .Produces<string>(StatusCodes.Status200OK, SseResponse.ContentType);
            group.MapGet("/read-count/{roomId:long}/" + MessageHistory.MessageIdRoute,
                    async (long roomId, string messageId, HttpContext context, ClaimsPrincipal user, SseHub hub, IMessageStore store,
                        RoomMembership membership) =>
                    {
                        var message = await MessageHistory.FindVisibleAsync(store, membership, messageId, user.UserId(), context.RequestAborted);
                        if (message.RoomId != roomId)
                            throw ShootException.NotFound("The message");
                        // Owned by the room too: leaving it (or being removed) closes the stream.
                        await SseResponse.StreamAsync(context, hub, ReadCount(roomId, messageId), new SseOwner(user.UserId(), roomId));
                    })
                .WithSummary("read-count of one message (text/event-stream; participants only)")
                .Produces<string>(StatusCodes.Status200OK, SseResponse.ContentType);
        }

        /// <summary>
        /// A user's own stream makes them a listener (<see cref="SseListeners"/>): room activity is announced to them
        /// while it is open and for a while after. When they were not one until now, announcements skipped them: their
        /// counts are recounted first (so the totals their events carry are right), and nothing is replayed.
        /// </summary>
        private static async Task OwnStreamAsync(HttpContext context, ClaimsPrincipal user, long userId, SseHub hub, string key,
            SseListeners listeners, UnreadCounts unread)
        {
            if (user.UserId() != userId)
                throw ShootException.Forbidden("This stream belongs to another user.");
            var continued = await listeners.OpenAsync(userId, context.RequestAborted);
            try
            {
                if (!continued)
                    await unread.ForUserAsync(userId, context.RequestAborted);
                await SseResponse.StreamAsync(context, hub, key, new SseOwner(userId), replay: continued);
            }
            finally
            {
                await listeners.ClosedAsync(userId);
            }
        }
    }
}
