using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>
/// A message as the sequencer's recent ring holds it: the Message JSON broadcast when it was accepted. It may not be
/// stored yet, and it does not show later edits or deletes (which need it stored, so the store has those).
/// </summary>
public sealed record AcceptedMessage(string Id, long RoomId, long Seq, long SenderId, string Text, DateTimeOffset CreatedAt)
{
    public static AcceptedMessage From(long roomId, SequencedPayload entry)
    {
        var payload = JsonNode.Parse(entry.Payload)!;
        return new AcceptedMessage(payload["id"]!.GetValue<string>(), roomId, entry.Seq, payload["senderId"]!.GetValue<long>(),
            payload["content"]?["text"]?.GetValue<string>() ?? "", payload["createdAt"]!.GetValue<DateTimeOffset>());
    }

    /// <summary>
    /// The message id of a ring entry: its top-level <c>id</c>, read without building the whole message. Only the
    /// top level counts, so a quoted id in the text or in <c>forwardedFrom</c> is never taken for the message's own.
    /// </summary>
    public static string? IdOf(string payload)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(payload));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            reader.Read();
            if (isId)
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            reader.Skip();
        }
        return null;
    }

    /// <summary>What a read position needs of it (id, room, seq); the text is left out.</summary>
    public StoredMessage ToReadTarget() => new()
    {
        Id = Id, RoomId = RoomId, Seq = Seq, SenderId = SenderId, Text = "", CreatedAt = CreatedAt, UpdatedAt = CreatedAt,
    };
}
