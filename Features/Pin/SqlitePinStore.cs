using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>Pins in the embedded messages.db: columns of the messages table, indexed by ix_messages_room_pinned (MessagesSqlite/0003).</summary>
public sealed class SqlitePinStore(SqliteMessageStore messages) : IPinStore
{
    private const string Columns = SqliteMessageStore.Columns;

    /// <summary>
    /// The pin, conditional on the room's count of pinned messages, in one statement: a statement that writes takes the
    /// file's write lock before it reads anything, and SQLite has one writer at a time, so no other pin can come between
    /// the count and the set — on any connection, or any process sharing the file.
    /// </summary>
    internal const string PinSql = $"""
        UPDATE messages SET is_pinned = 1, pinned_by = @userId, pinned_at = @at
        WHERE id = @messageId AND is_deleted = 0 AND is_pinned = 0
          AND (SELECT COUNT(*) FROM messages AS pinned WHERE pinned.room_id = messages.room_id AND pinned.is_pinned = 1) < @maxPinnedPerRoom
        RETURNING {Columns}
        """;

    /// <summary>A room's pins, from the partial index ix_messages_room_pinned (tests check its query plan).</summary>
    internal const string PinnedSql = $"SELECT {Columns} FROM messages WHERE room_id = @roomId AND is_pinned = 1 ORDER BY pinned_at DESC, id DESC";

    public async Task<PinResult> PinAsync(string messageId, long userId, DateTimeOffset at, int maxPinnedPerRoom, CancellationToken cancellationToken = default)
    {
        var pinned = await messages.QuerySingleAsync(PinSql, new { messageId, userId, at = at.ToUnixTimeMilliseconds(), maxPinnedPerRoom }, cancellationToken);
        return pinned is not null
            ? new PinResult(PinOutcome.Pinned, pinned)
            : PinResult.Refused(await messages.FindAsync(messageId, cancellationToken));
    }

    public Task<StoredMessage?> UnpinAsync(string messageId, CancellationToken cancellationToken = default) =>
        messages.QuerySingleAsync($"UPDATE messages SET {SqliteMessageStore.UnpinnedSet} WHERE id = @messageId RETURNING {Columns}",
            new { messageId }, cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> PinnedAsync(long roomId, CancellationToken cancellationToken = default) =>
        messages.QueryAsync(PinnedSql, new { roomId }, cancellationToken);
}
