using System.Text.Json;
using Shoot.Infrastructure.Security;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// One record as a worker took it from Kafka or the outbox: the message, or — for a record that cannot be read — the
/// reason and whatever could be salvaged of it, so the sender can still be told FAILED.
/// </summary>
internal sealed record PipelineRecord(StoredMessage Message, string? PoisonReason)
{
    public bool IsPoison => PoisonReason is not null;

    /// <summary>
    /// The record's bytes (Kafka value, outbox and spill payload): the message as JSON, its text sealed by
    /// <paramref name="codec"/> (bound to the message id) when encryption at rest is on, as sent otherwise.
    /// </summary>
    public static byte[] Encode(StoredMessage message, MessageTextCodec codec) =>
        JsonSerializer.SerializeToUtf8Bytes(codec.Enabled ? message with { Text = codec.Protect(message.Text, message.Id) } : message, ShootJson.Options);

    /// <summary>The message of a record, its text opened; a text that cannot be decrypted makes the record poison (dead-lettered as it is).</summary>
    public static PipelineRecord Decode(ReadOnlySpan<byte> payload, MessageTextCodec codec, long? roomIdHint = null)
    {
        try
        {
            var message = JsonSerializer.Deserialize<StoredMessage>(payload, ShootJson.Options);
            if (message is null)
                return new PipelineRecord(Salvage(payload, roomIdHint), "The record is JSON null, not a message.");
            if (!MessageId.IsValid(message.Id))
                return new PipelineRecord(message, $"The record's id '{message.Id}' is not a message id.");
            return codec.TryUnprotect(message.Text, message.Id, out var text, out var failure)
                ? new PipelineRecord(message with { Text = text }, null)
                : new PipelineRecord(message with { Text = "" }, $"The record's text cannot be decrypted: {failure.Reason}.");
        }
        catch (JsonException e)
        {
            return new PipelineRecord(Salvage(payload, roomIdHint), $"The record is not a message: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the top-level fields a FAILED status needs (id, roomId, seq, senderId, tempId) up to the first token that
    /// breaks, so a truncated or mistyped record still names its sender and room where it can.
    /// </summary>
    private static StoredMessage Salvage(ReadOnlySpan<byte> payload, long? roomIdHint)
    {
        string id = "", text = "";
        string? tempId = null;
        long roomId = roomIdHint ?? 0, seq = 0, senderId = 0;
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                    continue;
                var name = reader.GetString();
                if (!reader.Read())
                    break;
                switch (name)
                {
                    case "id" when reader.TokenType == JsonTokenType.String: id = reader.GetString()!; break;
                    case "tempId" when reader.TokenType == JsonTokenType.String: tempId = reader.GetString(); break;
                    case "roomId" when reader.TryGetInt64(out var value): roomId = value; break;
                    case "seq" when reader.TryGetInt64(out var value): seq = value; break;
                    case "senderId" when reader.TryGetInt64(out var value): senderId = value; break;
                }
            }
        }
        catch (JsonException)
        {
            // Salvage is best effort: keep what was read before the break.
        }

        var now = DateTimeOffset.UtcNow;
        return new StoredMessage { Id = id, RoomId = roomId, Seq = seq, SenderId = senderId, TempId = tempId, Text = text, CreatedAt = now, UpdatedAt = now };
    }
}
