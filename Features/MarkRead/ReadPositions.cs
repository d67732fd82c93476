using Dapper;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Features.Messages;

/// <summary>One participant's read position in a room: the newest message id they have read, or null.</summary>
public sealed record ReaderPosition(long UserId, string? LastReadMessageId);

/// <summary>
/// Read positions (<c>room_participants.last_read_message_id</c>) and what follows from them: a message's readCount is
/// the number of participants other than its sender whose position is at or past it (docs/api.md §5). Message ids sort by
/// time as text, so positions are compared as ids, ordinally — never by the time a read arrived.
/// </summary>
public sealed class ReadPositions(ISqlDatabase database, TimeProvider clock)
{
    private const string RoomSql = "SELECT user_id, last_read_message_id FROM room_participants WHERE room_id = @roomId";

    private const string PositionSql = "SELECT last_read_message_id FROM room_participants WHERE room_id = @roomId AND user_id = @userId";

    // Forward only, checked in the statement itself: two reads racing each other can never move a position back.
    // PostgreSQL compares text by its collation; "C" makes it the byte order that ids sort by, as in SQLite.
    private const string AdvanceSqlite = """
        UPDATE room_participants SET last_read_message_id = @messageId, last_read_seq = max(last_read_seq, @seq), last_read_at = @now
        WHERE room_id = @roomId AND user_id = @userId AND (last_read_message_id IS NULL OR last_read_message_id < @messageId)
        """;

    private const string AdvancePostgres = """
        UPDATE room_participants SET last_read_message_id = @messageId, last_read_seq = GREATEST(last_read_seq, @seq), last_read_at = @now
        WHERE room_id = @roomId AND user_id = @userId
          AND (last_read_message_id IS NULL OR last_read_message_id COLLATE "C" < @messageId COLLATE "C")
        """;

    /// <summary>Where a read moved a position: from <see cref="Before"/> to <see cref="Now"/> (equal when it did not move).</summary>
    public sealed record Move(string? Before, string? Now)
    {
        public bool Moved => Now != Before;
    }

    /// <summary>Every current participant's position in the room: one query, whatever the number of messages it serves.</summary>
    public async Task<IReadOnlyList<ReaderPosition>> ForRoomAsync(long roomId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long UserId, string? LastReadMessageId)>(
            new CommandDefinition(RoomSql, new { roomId }, cancellationToken: ct));
        return rows.Select(r => new ReaderPosition(r.UserId, r.LastReadMessageId)).ToList();
    }

    /// <summary>
    /// Moves the participant's position to <paramref name="message"/> if that is past it; a read of an older message
    /// leaves it where it is. The caller has checked that the user is a participant and the message is of the room.
    /// </summary>
    public async Task<Move> AdvanceAsync(long userId, StoredMessage message, CancellationToken ct = default)
    {
        var (roomId, messageId, seq) = (message.RoomId, message.Id, message.Seq);
        await using var connection = await database.OpenAsync(ct);
        var before = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(PositionSql, new { roomId, userId }, cancellationToken: ct));
        var moved = await connection.ExecuteAsync(new CommandDefinition(
            database.Sql(AdvanceSqlite, AdvancePostgres), new { roomId, userId, messageId, seq, now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: ct)) > 0;
        // Not moved: a concurrent read may have moved it further meanwhile, so answer what is stored now.
        var now = moved ? messageId
            : await connection.ExecuteScalarAsync<string?>(new CommandDefinition(PositionSql, new { roomId, userId }, cancellationToken: ct));
        return new Move(before, now);
    }

    public static int ReadCount(StoredMessage message, IReadOnlyList<ReaderPosition> readers) =>
        readers.Count(r => r.UserId != message.SenderId && r.LastReadMessageId is { } read && string.CompareOrdinal(read, message.Id) >= 0);

    /// <summary>Stored messages of one room as clients see them, each with its readCount, from one read of the positions.</summary>
    public async Task<IReadOnlyList<Message>> ViewAsync(long roomId, IReadOnlyList<StoredMessage> messages, CancellationToken ct = default)
    {
        if (messages.Count == 0)
            return [];
        var readers = await ForRoomAsync(roomId, ct);
        return messages.Select(m => Message.From(m, readCount: ReadCount(m, readers))).ToList();
    }

    public async Task<Message> ViewAsync(StoredMessage message, CancellationToken ct = default) =>
        (await ViewAsync(message.RoomId, [message], ct))[0];
}
