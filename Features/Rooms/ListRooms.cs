using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Rooms;

/// <summary>
/// The caller's room lists: all of them, the favorites, and a search by title or participant nickname. Each list holds
/// only rooms the caller is in, most recently active first. The lists are not paged: a user's rooms are few enough.
/// </summary>
public static class ListRooms
{
    public enum Filter { All, Favorites }

    public sealed record Query(long CallerId, Filter Filter) : IQuery<ItemList<RoomSummary>>;

    public sealed record Search(long CallerId, string? Q) : IQuery<ItemList<RoomSummary>>;

    public sealed class SearchValidator : AbstractValidator<Search>
    {
        public SearchValidator() =>
            RuleFor(s => s.Q).Must(q => q is not null && q.Trim().Length is >= 1 and <= 50).WithMessage("q must be 1 to 50 characters.");
    }

    // The join on the caller's own participant row is what keeps every list to the caller's rooms.
    internal const string FromMyRooms = $"""
        SELECT {RoomRow.Columns}, CASE WHEN f.user_id IS NULL THEN 0 ELSE 1 END AS favorite
        FROM rooms r
        JOIN room_participants me ON me.room_id = r.id AND me.user_id = @caller
        LEFT JOIN room_favorites f ON f.room_id = r.id AND f.user_id = @caller
        """;

    private const string Newest = " ORDER BY r.last_active_at DESC, r.id DESC";

    private const string AllSql = FromMyRooms + Newest;

    private const string FavoritesSql = FromMyRooms + " WHERE f.user_id IS NOT NULL" + Newest;

    /// <summary>The caller's own nickname is left out, or searching for it would list every room.</summary>
    private const string SearchSql = FromMyRooms + """
         WHERE lower(COALESCE(r.title, '')) LIKE @contains ESCAPE '\'
            OR EXISTS (SELECT 1 FROM room_participants o JOIN users u ON u.id = o.user_id
                       WHERE o.room_id = r.id AND o.user_id <> @caller AND lower(u.nickname) LIKE @contains ESCAPE '\')
        """ + Newest;

    /// <summary>Unread counts come from the unread ledger, all of the caller's rooms in one count (<see cref="UnreadCounts.ForUserAsync"/>).</summary>
    public sealed class Handler(ISqlDatabase database, UnreadCounts unread, MessageTextCodec codec)
        : IQueryHandler<Query, ItemList<RoomSummary>>, IQueryHandler<Search, ItemList<RoomSummary>>
    {
        public ValueTask<ItemList<RoomSummary>> Handle(Query query, CancellationToken ct) =>
            ListAsync(query.Filter == Filter.Favorites ? FavoritesSql : AllSql, query.CallerId, new { caller = query.CallerId }, ct);

        public ValueTask<ItemList<RoomSummary>> Handle(Search query, CancellationToken ct)
        {
            var escaped = query.Q!.Trim().ToLowerInvariant().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
            return ListAsync(SearchSql, query.CallerId, new { caller = query.CallerId, contains = $"%{escaped}%" }, ct);
        }

        private async ValueTask<ItemList<RoomSummary>> ListAsync(string sql, long caller, object parameters, CancellationToken ct)
        {
            await using var connection = await database.OpenAsync(ct);
            var rows = (await connection.QueryAsync<RoomRow>(sql, parameters)).ToList();
            if (rows.Count == 0)
                return new ItemList<RoomSummary>([]);
            var counts = (await unread.ForUserAsync(caller, ct)).ToDictionary(c => c.RoomId, c => c.Count);
            return new ItemList<RoomSummary>(rows.Select(row => row.ToSummary(counts.GetValueOrDefault(row.Id), codec)).ToList());
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var group = app.MapGroup("/api/v1/chatrooms").WithTags("Rooms");
            group.MapGet("", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Query(user.UserId(), Filter.All), ct))).WithSummary("The caller's rooms, most recently active first");
            group.MapGet("/favorites", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Query(user.UserId(), Filter.Favorites), ct))).WithSummary("The caller's favorite rooms");
            group.MapGet("/search", async (string? q, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                ApiResults.Ok(await sender.Send(new Search(user.UserId(), q), ct))).WithSummary("Search the caller's rooms by title or participant nickname");
        }
    }
}
