using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Rooms;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Messages;

/// <summary>
/// <c>GET /api/v1/messages/{messageId}/readers</c> (the seed's readBy): the participants now in the room, other than the
/// sender, whose read position is at or past the message — the people its readCount counts. For participants only
/// (404 otherwise, as for a message that does not exist). <c>readAt</c> is when the reader's position last moved, which
/// is when they read this message or something newer.
/// </summary>
public static class MessageReaders
{
    public sealed record Query(long UserId, string MessageId) : IQuery<ItemList<Reader>>;

    public sealed record Reader(long UserId, string Nickname, DateTimeOffset? ReadAt);

    // Ids sort by time as text; PostgreSQL compares in its collation unless told "C" (byte order, as SQLite does).
    private const string ReadersSqlite = """
        SELECT p.user_id, u.nickname, p.last_read_at FROM room_participants p JOIN users u ON u.id = p.user_id
        WHERE p.room_id = @roomId AND p.user_id <> @senderId AND p.last_read_message_id >= @messageId
        ORDER BY p.last_read_at, p.user_id
        """;

    private const string ReadersPostgres = """
        SELECT p.user_id, u.nickname, p.last_read_at FROM room_participants p JOIN users u ON u.id = p.user_id
        WHERE p.room_id = @roomId AND p.user_id <> @senderId AND p.last_read_message_id COLLATE "C" >= @messageId COLLATE "C"
        ORDER BY p.last_read_at NULLS FIRST, p.user_id
        """;

    public sealed class Handler(ISqlDatabase database, IMessageStore store, RoomMembership membership) : IQueryHandler<Query, ItemList<Reader>>
    {
        public async ValueTask<ItemList<Reader>> Handle(Query query, CancellationToken ct)
        {
            var message = await MessageHistory.FindVisibleAsync(store, membership, query.MessageId, query.UserId, ct);
            await using var connection = await database.OpenAsync(ct);
            var rows = await connection.QueryAsync<(long UserId, string Nickname, long? LastReadAt)>(new CommandDefinition(
                database.Sql(ReadersSqlite, ReadersPostgres),
                new { roomId = message.RoomId, senderId = message.SenderId, messageId = message.Id }, cancellationToken: ct));
            return new ItemList<Reader>(rows
                .Select(r => new Reader(r.UserId, r.Nickname, r.LastReadAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null))
                .ToList());
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/api/v1/messages/" + MessageHistory.MessageIdRoute + "/readers",
                    async (string messageId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                        ApiResults.Ok(await sender.Send(new Query(user.UserId(), messageId), ct)))
                .WithTags("Messages")
                .WithSummary("Who has read a message (participants other than the sender whose read position is at or past it)");
    }
}
