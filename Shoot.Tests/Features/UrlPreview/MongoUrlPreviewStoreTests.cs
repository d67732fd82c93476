using MongoDB.Bson;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.BsonRender;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// The preview store suite on MongoDB (<c>SHOOT_TEST_MONGO</c>; skipped without it): each test gets its own database.
/// What the adapter sends is checked without a server.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MongoUrlPreviewStoreTests(MongoFixture mongo)
    : UrlPreviewStoreSuite(() => MessageBackend.OnMongoAsync(mongo)), IClassFixture<MongoFixture>
{
    [Fact]
    public void A_url_preview_goes_only_to_a_message_not_deleted_whose_text_is_unchanged()
    {
        Assert.Equal("""{ "_id" : { "$oid" : "6b071ea5efdcf4691a7309a0" }, "isDeleted" : false, "text" : "see https://x.test" }""",
            Json(MongoUrlPreviewStore.NotDeletedWithText(ObjectId.Parse("6b071ea5efdcf4691a7309a0"), "see https://x.test")));
    }

    [Fact]
    public void A_url_preview_update_sets_the_sub_document_or_null_and_nothing_else()
    {
        Assert.Equal("""{ "$set" : { "urlPreview" : { "url" : "https://x.test", "title" : "X", "description" : null, "imageUrl" : "https://x.test/i.png", "siteName" : "X site" } } }""",
            Json(MongoUrlPreviewStore.UrlPreviewUpdate(new UrlPreview("https://x.test", "X", null, "https://x.test/i.png", "X site"))));
        Assert.Equal("""{ "$set" : { "urlPreview" : null } }""", Json(MongoUrlPreviewStore.UrlPreviewUpdate(null)));
    }
}
