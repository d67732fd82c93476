using System.Data.Common;
using Dapper;
using Shoot.Features.Common;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Rooms;

/// <summary>Field rules shared by the room slices, so create, edit and add cannot drift apart.</summary>
public static class RoomRules
{
    public const int MaxTitleLength = 100;
    public const int MaxAnnouncementLength = 1000;
    public const int MaxNoticeLength = 500;

    /// <summary>More ids than a full GROUP room holds is never a valid list, whatever else it contains.</summary>
    public static IRuleBuilderOptions<T, IReadOnlyList<long>?> ValidUserIds<T>(this IRuleBuilder<T, IReadOnlyList<long>?> rule) => rule
        .Must(ids => ids is { Count: > 0 }).WithMessage("At least one user id is required.")
        .Must(ids => ids is null || ids.Count <= RoomNames.MaxGroupSize).WithMessage($"At most {RoomNames.MaxGroupSize} user ids.")
        .Must(ids => ids is null || ids.All(id => id > 0)).WithMessage("User ids are positive integers.");

    public static IRuleBuilderOptions<T, string?> ValidTitle<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(t => t is null || t.Trim().Length <= MaxTitleLength).WithMessage($"title must be at most {MaxTitleLength} characters.")
        .SingleLine("title");

    /// <summary>
    /// The ids a caller lists, without duplicates and without the caller: the creator is always in their own room, so
    /// clients may send the full member list, themselves included.
    /// </summary>
    public static IReadOnlyList<long> Others(IEnumerable<long>? ids, long callerId) =>
        (ids ?? []).Where(id => id != callerId).Distinct().ToList();

    /// <summary>400 naming every id with no account behind it, so a client can tell the user which ones.</summary>
    public static async Task EnsureUsersExistAsync(ISqlDatabase database, DbConnection connection, IReadOnlyList<long> userIds, string field)
    {
        if (userIds.Count == 0)
            return;
        // Dapper expands a list for SQLite but hands Npgsql a real array, which PostgreSQL compares with ANY.
        var sql = database.Sql(sqlite: "SELECT id FROM users WHERE id IN @userIds AND deleted_at IS NULL",
            postgres: "SELECT id FROM users WHERE id = ANY(@userIds) AND deleted_at IS NULL");
        var known = (await connection.QueryAsync<long>(sql, new { userIds = userIds.ToArray() })).ToHashSet();
        var unknown = userIds.Where(id => !known.Contains(id)).ToList();
        if (unknown.Count > 0)
            throw ShootException.Invalid(field, $"No user has the id {string.Join(", ", unknown)}.");
    }
}
