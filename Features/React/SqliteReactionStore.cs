using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Reactions in the embedded messages.db: the reactions column holds JSON text (<c>{"like": [5, 7]}</c>), changed by one
/// UPDATE each. A statement that writes takes the file's write lock before it reads (one writer at a time, across
/// connections and processes), so the list it reads is the list it replaces: no reaction is lost to a concurrent one.
/// </summary>
public sealed class SqliteReactionStore(SqliteMessageStore messages) : IReactionStore
{
    // @path is '$."name"' (names are checked to be [a-z0-9_]); '[#]' appends to an array.
    private const string AddReactionSql = $"""
        UPDATE messages SET reactions = CASE
            WHEN EXISTS (SELECT 1 FROM json_each(messages.reactions, @path) WHERE value = @userId) THEN reactions
            WHEN json_type(reactions, @path) = 'array' THEN json_insert(reactions, @path || '[#]', @userId)
            ELSE json_set(reactions, @path, json_array(@userId)) END
        WHERE id = @messageId AND is_deleted = 0 RETURNING {SqliteMessageStore.Columns}
        """;

    // The list without the user, in its order; a list left empty is removed, so reactions never shows a name nobody holds.
    // json() keeps the rebuilt list JSON (a value out of a subquery would otherwise be set as a string).
    private const string RemoveReactionSql = $"""
        UPDATE messages SET reactions = CASE
            WHEN NOT EXISTS (SELECT 1 FROM json_each(messages.reactions, @path) WHERE value <> @userId) THEN json_remove(reactions, @path)
            ELSE json_set(reactions, @path, json((SELECT json_group_array(value) FROM
                (SELECT value FROM json_each(messages.reactions, @path) WHERE value <> @userId ORDER BY key)))) END
        WHERE id = @messageId AND is_deleted = 0 RETURNING {SqliteMessageStore.Columns}
        """;

    public Task<StoredMessage?> AddReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(AddReactionSql, messageId, reaction, userId, cancellationToken);

    public Task<StoredMessage?> RemoveReactionAsync(string messageId, string reaction, long userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(RemoveReactionSql, messageId, reaction, userId, cancellationToken);

    private Task<StoredMessage?> ChangeAsync(string sql, string messageId, string reaction, long userId, CancellationToken cancellationToken)
    {
        ReactionNames.Check(reaction);
        return messages.QuerySingleAsync(sql, new { messageId, path = $"$.\"{reaction}\"", userId }, cancellationToken);
    }
}
