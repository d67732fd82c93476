using System.Security.Claims;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Users;

/// <summary><c>GET /api/v1/users/{userId}</c> and <c>GET /api/v1/users/search</c>: other people, in their public view.</summary>
public static class FindUsers
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public sealed record GetUser(long CallerId, long UserId) : IQuery<User>;

    public sealed record Search(long CallerId, string? Q, int? Limit) : IQuery<ItemList<User>>;

    public sealed class SearchValidator : AbstractValidator<Search>
    {
        public SearchValidator()
        {
            RuleFor(s => s.Q).Must(q => q is not null && q.Trim().Length is >= 1 and <= 50).WithMessage("q must be 1 to 50 characters.");
            RuleFor(s => s.Limit).InclusiveBetween(1, MaxLimit).When(s => s.Limit is not null).WithMessage($"limit must be 1 to {MaxLimit}.");
        }
    }

    /// <summary>
    /// Exact friend code first, then username prefix, then nickname substring. lower() and LIKE behave the same in both
    /// dialects here (usernames are ASCII), so one statement serves both.
    /// </summary>
    private const string SearchSql = $"""
        SELECT {UserRow.Columns} FROM users
        WHERE id <> @CallerId AND deleted_at IS NULL
          AND (user_code = @code OR username_normalized LIKE @prefix ESCAPE '\' OR lower(nickname) LIKE @contains ESCAPE '\')
        ORDER BY CASE WHEN user_code = @code THEN 0 WHEN username_normalized LIKE @prefix ESCAPE '\' THEN 1 ELSE 2 END,
                 username_normalized
        LIMIT @limit
        """;

    public sealed class Handler(ISqlDatabase database, UserDirectory users, Realtime.Presence presence) : IQueryHandler<GetUser, User>, IQueryHandler<Search, ItemList<User>>
    {
        public async ValueTask<User> Handle(GetUser query, CancellationToken ct)
        {
            // Status comes from live sessions (docs/api.md §2, issue 5), not only the stored column.
            var row = await presence.ApplyAsync(await users.GetByIdAsync(query.UserId, ct), ct);
            return query.UserId == query.CallerId ? row.ToOwnView() : row.ToPublicView();
        }

        public async ValueTask<ItemList<User>> Handle(Search query, CancellationToken ct)
        {
            var q = query.Q!.Trim();
            var pattern = EscapeLike(q.ToLowerInvariant());
            await using var connection = await database.OpenAsync(ct);
            var rows = await connection.QueryAsync<UserRow>(SearchSql, new
            {
                query.CallerId,
                code = q.ToUpperInvariant(),
                prefix = pattern + "%",
                contains = "%" + pattern + "%",
                limit = query.Limit ?? DefaultLimit,
            });
            return new ItemList<User>(rows.Select(r => r.ToPublicView()).ToList());
        }

        private static string EscapeLike(string value) =>
            value.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapGet("/api/v1/users/{userId:long}", async (long userId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new GetUser(user.UserId(), userId), ct)))
                .WithTags("Users").WithSummary("A user's public profile");
            app.MapGet("/api/v1/users/search", async (string? q, int? limit, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                    ApiResults.Ok(await sender.Send(new Search(user.UserId(), q, limit), ct)))
                .WithTags("Users").WithSummary("Find users by username, nickname or exact friend code");
        }
    }
}
