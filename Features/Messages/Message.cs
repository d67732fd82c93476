using System.Text;
using System.Text.Json;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Features.Messages;

/// <summary>The API's Message (docs/api.md) (§5). Clients upsert by <see cref="Id"/>: the whole message is sent again after every change.</summary>
public sealed record Message(
    string Id,
    long RoomId,
    long Seq,
    long SenderId,
    string? TempId,
    MessageContent Content,
    string Status,
    string? ThreadId,
    string? ReplyToMessageId,
    ForwardedFrom? ForwardedFrom,
    IReadOnlyDictionary<string, IReadOnlyList<long>> Reactions,
    IReadOnlyList<long> Mentions,
    int ReadCount,
    bool IsPinned,
    long? PinnedBy,
    DateTimeOffset? PinnedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The message as clients see it. <paramref name="status"/> is SAVED for stored messages and SENDING for the live
    /// copy broadcast when a message is accepted (its later statuses travel on /topic/message/status/{roomId}).
    /// </summary>
    public static Message From(StoredMessage m, string status = "SAVED", int readCount = 0) => new(
        m.Id, m.RoomId, m.Seq, m.SenderId, m.TempId,
        new MessageContent(m.Text, m.Type, m.IsEdited, m.IsDeleted, m.UrlPreview),
        status, m.ThreadId, m.ReplyToMessageId, m.ForwardedFrom, m.Reactions, m.Mentions, readCount,
        m.IsPinned, m.PinnedBy, m.PinnedAt, m.CreatedAt, m.UpdatedAt);

    /// <summary>
    /// The JSON of a message whose seq is not known yet, in two halves around the seq's digits: the sequencer assigns
    /// the seq and publishes <c>before + seq + after</c> in the same atomic step.
    /// </summary>
    public static SeqTemplate Template(StoredMessage message, string status) =>
        SeqTemplates.Split(MessageTopics.Messages(message.RoomId), seq => From(message with { Seq = seq }, status));
}

/// <summary>
/// JSON around a seq that only the sequencer's atomic step knows (<see cref="SeqTemplate"/>): the value is serialized
/// with a placeholder seq, then split around it.
/// </summary>
public static class SeqTemplates
{
    private const long SeqPlaceholder = -7_345_812_906_112_331;
    private static readonly byte[] Property = "\"seq\":"u8.ToArray();
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes($"\"seq\":{SeqPlaceholder}");

    public static SeqTemplate Split<T>(string destination, Func<long, T> withSeq)
    {
        // Serialized as UTF-8 (the serializer's own form) and each half made a string once: a whole JSON string, then
        // its halves copied out of it, was a third more to allocate and copy on every send.
        var json = JsonSerializer.SerializeToUtf8Bytes(withSeq(SeqPlaceholder), ShootJson.Options).AsSpan();
        // "seq": followed by the placeholder can only be the property itself: inside a JSON string a quote is escaped.
        var at = json.IndexOf(Marker);
        return new SeqTemplate(destination, Encoding.UTF8.GetString(json[..(at + Property.Length)]), Encoding.UTF8.GetString(json[(at + Marker.Length)..]));
    }
}

public sealed record MessageContent(string Text, string Type, bool IsEdited, bool IsDeleted, UrlPreview? UrlPreview);

/// <summary>What /topic/message/status/{roomId} carries (docs/api.md §6): where one send got to.</summary>
public sealed record MessageStatusUpdate(string? TempId, string Status, string? PersistedId, long? Seq, string? ErrorMessage, DateTimeOffset CreatedAt);

public static class MessageTopics
{
    public const string MessagesPrefix = "/topic/messages/";
    public const string StatusPrefix = "/topic/message/status/";

    public static string Messages(long roomId) => MessagesPrefix + roomId;
    public static string Status(long roomId) => StatusPrefix + roomId;
}
