using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dapper;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// Messages in the embedded messages.db (<see cref="MessagesDatabase"/>; schema in Migrations/MessagesSqlite/0001).
/// Times are kept to the millisecond, like the API's timestamps (docs/api.md §1) and BSON dates. The feature stores that
/// change one part of a message (pins, reactions, URL previews) write their own statements on the same table and read
/// the rows back through <see cref="QuerySingleAsync"/> and <see cref="QueryAsync"/>, so a row is mapped in one place.
/// </summary>
public sealed class SqliteMessageStore(MessagesDatabase database) : IMessageStore
{
    /// <summary>The columns of a whole message, named as <see cref="StoredMessage"/>'s properties: what a RETURNING or SELECT hands to the mapping.</summary>
    public const string Columns = """
        id AS Id, room_id AS RoomId, seq AS Seq, sender_id AS SenderId, temp_id AS TempId, text AS Text, type AS Type,
        is_edited AS IsEdited, is_deleted AS IsDeleted, url_preview AS UrlPreview, thread_id AS ThreadId,
        reply_to_message_id AS ReplyToMessageId, forwarded_from AS ForwardedFrom, reactions AS Reactions, mentions AS Mentions,
        is_pinned AS IsPinned, pinned_by AS PinnedBy, pinned_at AS PinnedAt, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    // The conflict target is the id only: a redelivered message is skipped, while a different message with a (room_id, seq)
    // already taken still fails with a unique violation (see SaveBatchAsync).
    private const string InsertSql = """
        INSERT INTO messages (id, room_id, seq, sender_id, temp_id, text, type, is_edited, is_deleted, url_preview, thread_id,
                              reply_to_message_id, forwarded_from, reactions, mentions, is_pinned, pinned_by, pinned_at, created_at, updated_at)
        VALUES (@Id, @RoomId, @Seq, @SenderId, @TempId, @Text, @Type, @IsEdited, @IsDeleted, @UrlPreview, @ThreadId,
                @ReplyToMessageId, @ForwardedFrom, @Reactions, @Mentions, @IsPinned, @PinnedBy, @PinnedAt, @CreatedAt, @UpdatedAt)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string SeqIndexColumns = "messages.room_id, messages.seq";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Description => database.Sqlite.Description;

    public async Task SaveBatchAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken = default)
    {
        MessageStoreRules.CheckBatch(messages);
        if (messages.Count == 0)
            return;
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new RepeatedStatement(connection, transaction, InsertSql, Row.InsertParameters);
        var refused = new List<StoredMessage>();
        foreach (var message in messages)
        {
            try
            {
                Row.From(message).BindInsert(insert);
                await insert.ExecuteAsync(cancellationToken);
            }
            // A failed statement rolls back only itself; the transaction goes on, so the rest of the batch is stored as in MongoDB.
            catch (Exception e) when (database.Sqlite.IsUniqueViolation(e, SeqIndexColumns))
            {
                refused.Add(message);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        if (refused.Count > 0)
            throw new MessageSeqConflictException(refused);
    }

    public async Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken = default) =>
        await QuerySingleAsync($"SELECT {Columns} FROM messages WHERE id = @messageId", new { messageId }, cancellationToken);

    public async Task<IReadOnlyList<StoredMessage>> PageAsync(MessagePage page, CancellationToken cancellationToken = default)
    {
        MessageStoreRules.CheckPage(page);
        return await QueryAsync(PageSql(page), page, cancellationToken);
    }

    /// <summary>The page query, with <see cref="MessagePage"/>'s properties as parameters (tests check its query plan).</summary>
    internal static string PageSql(MessagePage page)
    {
        // A thread's replies are found through (thread_id, id): the unary + keeps the planner off (room_id, id), which
        // would walk the whole room's history to pick out one thread (it cannot tell the two apart by parameters alone).
        var sql = new StringBuilder(page.ThreadId is null
            ? $"SELECT {Columns} FROM messages WHERE room_id = @RoomId"
            : $"SELECT {Columns} FROM messages WHERE +room_id = @RoomId AND thread_id = @ThreadId");
        if (page.BeforeId is not null)
            sql.Append(" AND id < @BeforeId");
        if (page.AfterId is not null)
            sql.Append(" AND id > @AfterId");
        sql.Append(page.AfterSeq is null ? " ORDER BY id DESC" : " AND seq > @AfterSeq ORDER BY seq");
        return sql.Append(" LIMIT @Limit").ToString();
    }

    /// <remarks>
    /// Counts the embedded pipeline's outbox too (it lives in the same file): after a crash, messages accepted but not
    /// drained yet must not have their seqs handed out again when a sequencer starts the room's counter from here.
    /// </remarks>
    public async Task<long> MaxSeqAsync(long roomId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            SELECT MAX(COALESCE((SELECT MAX(seq) FROM messages WHERE room_id = @roomId), 0),
                       COALESCE((SELECT MAX(json_extract(payload, '$.seq')) FROM outbox WHERE room_id = @roomId), 0))
            """, new { roomId }, cancellationToken: cancellationToken));
    }

    public async Task<long> CountUnreadAsync(long roomId, long afterSeq, long upToSeq, long excludeSenderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            UnreadSql, new { roomId, afterSeq, upToSeq, excludeSenderId }, cancellationToken: cancellationToken));
    }

    /// <summary>The unread count: a range of (room_id, seq), so it reads only the messages after the read position.</summary>
    internal const string UnreadSql =
        "SELECT COUNT(*) FROM messages WHERE room_id = @roomId AND seq > @afterSeq AND seq <= @upToSeq"
        + " AND sender_id <> @excludeSenderId AND is_deleted = 0";

    public Task<StoredMessage?> EditTextAsync(string messageId, string text, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        QuerySingleAsync($"""
            UPDATE messages SET text = @text, is_edited = 1, updated_at = @at
            WHERE id = @messageId AND is_deleted = 0 RETURNING {Columns}
            """, new { messageId, text, at = at.ToUnixTimeMilliseconds() }, cancellationToken);

    public async Task<StoredMessage?> SoftDeleteAsync(string messageId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await QuerySingleAsync($"""
            UPDATE messages SET text = '', is_deleted = 1, url_preview = NULL, reactions = json_object(), {UnpinnedSet}, updated_at = @at
            WHERE id = @messageId AND is_deleted = 0 RETURNING {Columns}
            """, new { messageId, at = at.ToUnixTimeMilliseconds() }, cancellationToken)
        // Already deleted: deleting again changes nothing and answers the state as it is.
        ?? await FindAsync(messageId, cancellationToken);

    /// <summary>What unpinning sets; a soft delete unpins too, so it no longer counts toward its room's pin limit.</summary>
    public const string UnpinnedSet = "is_pinned = 0, pinned_by = NULL, pinned_at = NULL";

    public async Task DeleteRoomAsync(long roomId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM messages WHERE room_id = @roomId", new { roomId }, cancellationToken: cancellationToken));
    }

    public async IAsyncEnumerable<StoredSend> SendsSinceAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        // Read as they come (a day of a busy server is millions of rows), through the primary key's range, with a plain
        // reader: a server waits for this after a start, and mapping each row through Dapper took twice as long.
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT room_id, sender_id, temp_id, seq FROM messages WHERE id >= @since AND temp_id IS NOT NULL";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@since";
        parameter.Value = MessageId.LowestAt(since);
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return new StoredSend(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3));
    }

    /// <summary>The one message a statement returns (its columns <see cref="Columns"/>), or null.</summary>
    public async Task<StoredMessage?> QuerySingleAsync(string sql, object parameters, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return row?.ToMessage();
    }

    /// <summary>The messages a query returns (its columns <see cref="Columns"/>), in its order.</summary>
    public async Task<IReadOnlyList<StoredMessage>> QueryAsync(string sql, object parameters, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.Sqlite.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToMessage()).ToList();
    }

    /// <summary>A urlPreview as the url_preview column holds it: JSON text, or null.</summary>
    public static string? PreviewJson(UrlPreview? preview) => preview is null ? null : JsonSerializer.Serialize(preview, Json);

    /// <summary>A row as stored: JSON text for the nested values, Unix milliseconds for times.</summary>
    private sealed class Row
    {
        public string Id { get; init; } = "";
        public long RoomId { get; init; }
        public long Seq { get; init; }
        public long SenderId { get; init; }
        public string? TempId { get; init; }
        public string Text { get; init; } = "";
        public string Type { get; init; } = "";
        public bool IsEdited { get; init; }
        public bool IsDeleted { get; init; }
        public string? UrlPreview { get; init; }
        public string? ThreadId { get; init; }
        public string? ReplyToMessageId { get; init; }
        public string? ForwardedFrom { get; init; }
        public string Reactions { get; init; } = "{}";
        public string Mentions { get; init; } = "[]";
        public bool IsPinned { get; init; }
        public long? PinnedBy { get; init; }
        public long? PinnedAt { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }

        public static Row From(StoredMessage m) => new()
        {
            Id = m.Id,
            RoomId = m.RoomId,
            Seq = m.Seq,
            SenderId = m.SenderId,
            TempId = m.TempId,
            Text = m.Text,
            Type = m.Type,
            IsEdited = m.IsEdited,
            IsDeleted = m.IsDeleted,
            UrlPreview = PreviewJson(m.UrlPreview),
            ThreadId = m.ThreadId,
            ReplyToMessageId = m.ReplyToMessageId,
            ForwardedFrom = m.ForwardedFrom is null ? null : JsonSerializer.Serialize(m.ForwardedFrom, Json),
            Reactions = JsonSerializer.Serialize(m.Reactions, Json),
            Mentions = JsonSerializer.Serialize(m.Mentions, Json),
            IsPinned = m.IsPinned,
            PinnedBy = m.PinnedBy,
            PinnedAt = m.PinnedAt?.ToUnixTimeMilliseconds(),
            CreatedAt = m.CreatedAt.ToUnixTimeMilliseconds(),
            UpdatedAt = m.UpdatedAt.ToUnixTimeMilliseconds(),
        };

        /// <summary><see cref="InsertSql"/>'s parameters, in the order <see cref="BindInsert"/> binds them.</summary>
        public static readonly string[] InsertParameters =
        [
            "@Id", "@RoomId", "@Seq", "@SenderId", "@TempId", "@Text", "@Type", "@IsEdited", "@IsDeleted", "@UrlPreview", "@ThreadId",
            "@ReplyToMessageId", "@ForwardedFrom", "@Reactions", "@Mentions", "@IsPinned", "@PinnedBy", "@PinnedAt", "@CreatedAt", "@UpdatedAt",
        ];

        public void BindInsert(RepeatedStatement insert) => insert
            .Bind(0, Id).Bind(1, RoomId).Bind(2, Seq).Bind(3, SenderId).Bind(4, TempId).Bind(5, Text).Bind(6, Type).Bind(7, IsEdited)
            .Bind(8, IsDeleted).Bind(9, UrlPreview).Bind(10, ThreadId).Bind(11, ReplyToMessageId).Bind(12, ForwardedFrom).Bind(13, Reactions)
            .Bind(14, Mentions).Bind(15, IsPinned).Bind(16, PinnedBy).Bind(17, PinnedAt).Bind(18, CreatedAt).Bind(19, UpdatedAt);

        public StoredMessage ToMessage() => new()
        {
            Id = Id,
            RoomId = RoomId,
            Seq = Seq,
            SenderId = SenderId,
            TempId = TempId,
            Text = Text,
            Type = Type,
            IsEdited = IsEdited,
            IsDeleted = IsDeleted,
            UrlPreview = UrlPreview is null ? null : JsonSerializer.Deserialize<UrlPreview>(UrlPreview, Json),
            ThreadId = ThreadId,
            ReplyToMessageId = ReplyToMessageId,
            ForwardedFrom = ForwardedFrom is null ? null : JsonSerializer.Deserialize<ForwardedFrom>(ForwardedFrom, Json),
            Reactions = JsonSerializer.Deserialize<Dictionary<string, long[]>>(Reactions, Json)!
                .ToDictionary(pair => pair.Key, IReadOnlyList<long> (pair) => pair.Value),
            Mentions = JsonSerializer.Deserialize<long[]>(Mentions, Json)!,
            IsPinned = IsPinned,
            PinnedBy = PinnedBy,
            PinnedAt = PinnedAt is { } pinnedAt ? DateTimeOffset.FromUnixTimeMilliseconds(pinnedAt) : null,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
        };
    }
}
