using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace Shoot.Tests.Support;

/// <summary>
/// What a MongoDB adapter sends, rendered to BSON without a server. Canonical Extended JSON, so the types show too:
/// ids and seqs must go out as Int64 and ObjectId, times as dates.
/// </summary>
public static class BsonRender
{
    public const string At = """{ "$date" : { "$numberLong" : "1764092703120" } }""";
    public const string Room7 = """{ "roomId" : { "$numberLong" : "7" }""";

    public static readonly DateTimeOffset AtTime = DateTimeOffset.FromUnixTimeMilliseconds(1764092703120);
    public static readonly RenderArgs<BsonDocument> Args = new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);
    public static readonly JsonWriterSettings Canonical = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    public static string Json(FilterDefinition<BsonDocument> filter) => filter.Render(Args).ToJson(Canonical);
    public static string Json(SortDefinition<BsonDocument> sort) => sort.Render(Args).ToJson(Canonical);
    public static string Json(UpdateDefinition<BsonDocument> update) => update.Render(Args).ToJson(Canonical);
}
