using Dapper;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Messages;

/// <summary>
/// The <c>scheduled_messages</c> table. Every change of a schedule is conditional on the version read before it, so of
/// two racing changes (two firings of one job, a firing and an update) exactly one moves the row.
/// The text is message text at rest: with <c>Shoot:Encryption</c> keys it is stored sealed by <see cref="MessageTextCodec"/>
/// (bound to the owner's id) and opened when read; a text that cannot be opened reads as the placeholder, with
/// <see cref="Row.TextUnreadable"/> set so it is never sent, and stays stored as it was.
/// </summary>
public sealed partial class ScheduleStore(ISqlDatabase database, MessageTextCodec codec, ILogger<ScheduleStore> logger)
{
    private const string Columns = "id, user_id, room_id, text, recurrence, status, anchor_at, occurrence, scheduled_at, version, job_id, last_sent_at, created_at";

    public sealed class Row
    {
        public long Id { get; set; }
        public long UserId { get; set; }
        public long RoomId { get; set; }
        public string Text { get; set; } = "";
        public string Recurrence { get; set; } = "";
        public string Status { get; set; } = "";
        public long AnchorAt { get; set; }
        public long Occurrence { get; set; }
        public long ScheduledAt { get; set; }
        public long Version { get; set; }
        public string? JobId { get; set; }
        public long? LastSentAt { get; set; }
        public long CreatedAt { get; set; }

        /// <summary>The text as the table holds it (sealed when encryption is on); <see cref="Text"/> is what it says.</summary>
        public string StoredText { get; set; } = "";

        /// <summary>The stored text could not be decrypted: <see cref="Text"/> is the placeholder.</summary>
        public bool TextUnreadable { get; set; }

        public DateTimeOffset Anchor => DateTimeOffset.FromUnixTimeMilliseconds(AnchorAt);

        public ScheduledMessage ToResource() => new(Id, RoomId, Text, DateTimeOffset.FromUnixTimeMilliseconds(ScheduledAt), Recurrence, Status,
            LastSentAt is { } sent ? DateTimeOffset.FromUnixTimeMilliseconds(sent) : null, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt));
    }

    /// <summary>What a change writes: the schedule's state after it. The version moves on by one.</summary>
    public sealed record Change(string Text, string Recurrence, string Status, long AnchorAt, long Occurrence, long ScheduledAt, string? JobId,
        long? LastSentAt, long Now);

    public async Task<long> CountPendingAsync(long userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM scheduled_messages WHERE user_id = @userId AND status = 'PENDING'", new { userId });
    }

    public async Task<Row> InsertAsync(long userId, long roomId, string text, string recurrence, long at, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        text = codec.Protect(text, Context(userId));
        return Open(await connection.QuerySingleAsync<Row>($"""
            INSERT INTO scheduled_messages (user_id, room_id, text, recurrence, status, anchor_at, occurrence, scheduled_at, version, created_at, updated_at)
            VALUES (@userId, @roomId, @text, @recurrence, 'PENDING', @at, 0, @at, 0, @now, @now)
            RETURNING {Columns}
            """, new { userId, roomId, text, recurrence, at, now }));
    }

    public async Task<Row?> FindAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM scheduled_messages WHERE id = @id", new { id });
        return row is null ? null : Open(row);
    }

    /// <summary>The caller's schedules (of one room, if given), the soonest due first.</summary>
    public async Task<IReadOnlyList<Row>> ListAsync(long userId, long? roomId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>($"""
            SELECT {Columns} FROM scheduled_messages
            WHERE user_id = @userId AND (@roomId IS NULL OR room_id = @roomId)
            ORDER BY scheduled_at, id
            """, new { userId, roomId });
        return rows.Select(Open).ToList();
    }

    /// <summary>PENDING schedules due before <paramref name="before"/>, for the sweep that re-fires any whose job was lost.</summary>
    public async Task<IReadOnlyList<Row>> OverdueAsync(long before, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM scheduled_messages WHERE status = 'PENDING' AND scheduled_at < @before ORDER BY scheduled_at LIMIT 1000", new { before });
        return rows.Select(Open).ToList();
    }

    /// <summary>
    /// Writes <paramref name="change"/> if the row is still at the version <paramref name="row"/> was read at; false when
    /// something else moved it first. A text left as read is written back exactly as stored (an unreadable one is kept).
    /// </summary>
    public async Task<bool> TryChangeAsync(Row row, Change change, CancellationToken ct)
    {
        var (id, version) = (row.Id, row.Version);
        change = change with { Text = change.Text == row.Text ? row.StoredText : codec.Protect(change.Text, Context(row.UserId)) };
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE scheduled_messages
            SET text = @Text, recurrence = @Recurrence, status = @Status, anchor_at = @AnchorAt, occurrence = @Occurrence,
                scheduled_at = @ScheduledAt, job_id = @JobId, last_sent_at = @LastSentAt, updated_at = @Now, version = version + 1
            WHERE id = @id AND version = @version
            """, new { id, version, change.Text, change.Recurrence, change.Status, change.AnchorAt, change.Occurrence, change.ScheduledAt,
                change.JobId, change.LastSentAt, change.Now }) == 1;
    }

    /// <summary>Records the Hangfire job of the row's current version (so an update or cancel can delete it).</summary>
    public async Task SetJobAsync(long id, long version, string jobId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync("UPDATE scheduled_messages SET job_id = @jobId WHERE id = @id AND version = @version", new { id, version, jobId });
    }

    private Row Open(Row row)
    {
        row.StoredText = row.Text;
        if (codec.TryUnprotect(row.StoredText, Context(row.UserId), out var text, out var failure))
        {
            row.Text = text;
            return row;
        }
        LogUnreadable(logger, row.Id, failure.KeyId, failure.Reason);
        row.Text = MessageTextCodec.UnreadablePlaceholder;
        row.TextUnreadable = true;
        return row;
    }

    private static string Context(long userId) => $"schedule-of-user:{userId}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled message {ScheduleId} cannot be decrypted ({Reason}; key id {KeyId}); it will not be sent")]
    private static partial void LogUnreadable(ILogger logger, long scheduleId, string? keyId, string reason);

    /// <summary>The row as it stands, as a change to apply: callers alter what they change.</summary>
    public static Change Unchanged(Row row, long now) => new(row.Text, row.Recurrence, row.Status, row.AnchorAt, row.Occurrence, row.ScheduledAt,
        row.JobId, row.LastSentAt, now);
}
