using MongoDB.Bson;

namespace Shoot.Infrastructure.Messaging.Store;

/// <summary>
/// The BSON shape of a message in the <c>messages</c> collection, mapped by hand (no class map or global convention that
/// could change how other code serialises): <c>_id</c> is the ObjectId of the 24-hex id, fields are camelCase, ids
/// and counts are Int64, times BSON dates (milliseconds). Other message ids held by a message (threadId,
/// replyToMessageId, forwardedFrom.messageId) stay strings, compared as given.
/// </summary>
public static class MongoMessageDocument
{
    public static BsonDocument ToBson(StoredMessage m) => new()
    {
        ["_id"] = ObjectId.Parse(m.Id),
        ["roomId"] = m.RoomId,
        ["seq"] = m.Seq,
        ["senderId"] = m.SenderId,
        ["tempId"] = Nullable(m.TempId),
        ["text"] = m.Text,
        ["type"] = m.Type,
        ["isEdited"] = m.IsEdited,
        ["isDeleted"] = m.IsDeleted,
        ["urlPreview"] = Preview(m.UrlPreview),
        ["threadId"] = Nullable(m.ThreadId),
        ["replyToMessageId"] = Nullable(m.ReplyToMessageId),
        ["forwardedFrom"] = m.ForwardedFrom is { } from
            ? new BsonDocument { ["messageId"] = from.MessageId, ["roomId"] = from.RoomId, ["senderId"] = from.SenderId }
            : BsonNull.Value,
        ["reactions"] = new BsonDocument(m.Reactions.Select(pair => new BsonElement(pair.Key, new BsonArray(pair.Value)))),
        ["mentions"] = new BsonArray(m.Mentions),
        ["isPinned"] = m.IsPinned,
        ["pinnedBy"] = m.PinnedBy is { } pinnedBy ? pinnedBy : BsonNull.Value,
        ["pinnedAt"] = m.PinnedAt is { } pinnedAt ? Date(pinnedAt) : BsonNull.Value,
        ["createdAt"] = Date(m.CreatedAt),
        ["updatedAt"] = Date(m.UpdatedAt),
    };

    public static StoredMessage FromBson(BsonDocument d) => new()
    {
        Id = d["_id"].AsObjectId.ToString(),
        RoomId = d["roomId"].ToInt64(),
        Seq = d["seq"].ToInt64(),
        SenderId = d["senderId"].ToInt64(),
        TempId = String(d, "tempId"),
        Text = d["text"].AsString,
        Type = d["type"].AsString,
        IsEdited = d["isEdited"].ToBoolean(),
        IsDeleted = d["isDeleted"].ToBoolean(),
        UrlPreview = Document(d, "urlPreview") is { } preview
            ? new UrlPreview(preview["url"].AsString, String(preview, "title"), String(preview, "description"),
                String(preview, "imageUrl"), String(preview, "siteName"))
            : null,
        ThreadId = String(d, "threadId"),
        ReplyToMessageId = String(d, "replyToMessageId"),
        ForwardedFrom = Document(d, "forwardedFrom") is { } from
            ? new ForwardedFrom(from["messageId"].AsString, from["roomId"].ToInt64(), from["senderId"].ToInt64())
            : null,
        // A reaction emptied by a $pull is dropped by a second update; a reader between the two must not see it either.
        Reactions = (Document(d, "reactions") ?? [])
            .Where(e => e.Value is BsonArray { Count: > 0 })
            .ToDictionary(e => e.Name, IReadOnlyList<long> (e) => e.Value.AsBsonArray.Select(v => v.ToInt64()).ToArray()),
        Mentions = d.GetValue("mentions", BsonNull.Value) is BsonArray mentions ? mentions.Select(v => v.ToInt64()).ToArray() : [],
        IsPinned = d.GetValue("isPinned", false).ToBoolean(),
        PinnedBy = d.GetValue("pinnedBy", BsonNull.Value) is { IsBsonNull: false } pinnedBy ? pinnedBy.ToInt64() : null,
        PinnedAt = d.GetValue("pinnedAt", BsonNull.Value) is BsonDateTime pinnedAt ? Time(pinnedAt) : null,
        CreatedAt = Time(d["createdAt"].AsBsonDateTime),
        UpdatedAt = Time(d["updatedAt"].AsBsonDateTime),
    };

    /// <summary>A message read with <see cref="MongoMessageQueries.SendFields"/> (only messages with a tempId are).</summary>
    public static StoredSend SendFromBson(BsonDocument d) =>
        new(d["roomId"].ToInt64(), d["senderId"].ToInt64(), d["tempId"].AsString, d["seq"].ToInt64());

    /// <summary>A urlPreview as stored: a sub-document, or null.</summary>
    public static BsonValue Preview(UrlPreview? preview) => preview is null
        ? BsonNull.Value
        : new BsonDocument
        {
            ["url"] = preview.Url,
            ["title"] = Nullable(preview.Title),
            ["description"] = Nullable(preview.Description),
            ["imageUrl"] = Nullable(preview.ImageUrl),
            ["siteName"] = Nullable(preview.SiteName),
        };

    public static BsonDateTime Date(DateTimeOffset at) => new(at.ToUnixTimeMilliseconds());

    private static DateTimeOffset Time(BsonDateTime date) => DateTimeOffset.FromUnixTimeMilliseconds(date.MillisecondsSinceEpoch);

    private static BsonValue Nullable(string? value) => value is null ? BsonNull.Value : value;

    private static string? String(BsonDocument d, string name) => d.GetValue(name, BsonNull.Value) is BsonString s ? s.Value : null;

    private static BsonDocument? Document(BsonDocument d, string name) => d.GetValue(name, BsonNull.Value) as BsonDocument;
}
