using Dapper;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Features.Messages;

/// <summary>
/// Reports the pipeline's progress to senders (PROCESSING, SAVED with persistedId, FAILED) and keeps each room's
/// lastMessage and lastActiveAt current once its messages are stored.
/// </summary>
public sealed class PersistenceStatusObserver(SendStatusReporter statuses, ISqlDatabase database, MessageTextCodec codec) : IPersistenceObserver
{
    // Ids sort by time (ObjectId layout), so "newer than what the room shows" is a string comparison in both dialects;
    // it keeps an older message, redelivered late, from replacing a newer lastMessage.
    private const string TouchRoomSql = """
        UPDATE rooms SET last_message_id = @Id, last_message_text = @Text, last_message_sender_id = @SenderId,
            last_message_at = @At, last_active_at = CASE WHEN last_active_at > @At THEN last_active_at ELSE @At END
        WHERE id = @RoomId AND (last_message_id IS NULL OR last_message_id < @Id)
        """;

    public async ValueTask OnHandedOverAsync(StoredMessage message, CancellationToken ct) =>
        await statuses.ReportAsync(message, "SENT_TO_KAFKA", ct: ct);

    // Taking a record from the log proves it was handed over; the producer's own report may not have landed yet, so
    // SENT_TO_KAFKA goes first (the sequencer drops it when the producer's got there).
    public async ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct) =>
        await statuses.ReportManyAsync(messages.SelectMany(m => new[] { (m, "SENT_TO_KAFKA"), (m, "PROCESSING") }).ToList(), ct);

    public async ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct)
    {
        await TouchRoomsAsync(messages, ct);
        await statuses.ReportManyAsync(messages.Select(m => (m, "SAVED")).ToList(), ct);
    }

    /// <summary>Each room's newest message of the group, in one transaction: one commit per group, not one per room.</summary>
    private async Task TouchRoomsAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var latest in messages.GroupBy(m => m.RoomId).Select(room => room.MaxBy(m => m.Seq)!))
        {
            await connection.ExecuteAsync(new CommandDefinition(TouchRoomSql, new
            {
                latest.Id, Text = Rooms.RoomRow.SealText(codec, latest.Text, latest.Id), latest.SenderId, At = latest.CreatedAt.ToUnixTimeMilliseconds(), latest.RoomId,
            }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
    }

    public async ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken ct) =>
        await statuses.ReportAsync(message, "FAILED", reason, ct);
}
