using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Tests.Support;
using static Shoot.Tests.Support.TestMessages;

namespace Shoot.Tests.Features.Messages;

/// <summary>What every <see cref="IUrlPreviewStore"/> must do, on each backend (subclasses; see <see cref="MessageBackendSuite"/>).</summary>
public abstract class UrlPreviewStoreSuite(Func<Task<MessageBackend>> createBackend) : MessageBackendSuite(createBackend)
{
    [SkippableFact]
    public async Task A_url_preview_is_set_and_cleared_only_on_a_message_not_deleted_whose_text_is_unchanged()
    {
        var backend = await CreateBackendAsync();
        var store = backend.Messages;
        var message = Message(room: 1, seq: 1) with { Text = "see https://x.test", Mentions = [3] };
        var deleted = Message(room: 1, seq: 2) with { Text = "", IsDeleted = true };
        await store.SaveBatchAsync([message, deleted]);
        var preview = new UrlPreview("https://x.test", "X", "about x", "https://x.test/i.png", "X site");

        var previewed = await backend.Previews.SetUrlPreviewAsync(message.Id, message.Text, preview);

        // updatedAt stays: a preview is not an edit.
        AssertSame(message with { UrlPreview = preview }, previewed);
        AssertSame(message with { UrlPreview = preview }, await store.FindAsync(message.Id));
        Assert.Null(await backend.Previews.SetUrlPreviewAsync(message.Id, "an older text", null));
        AssertSame(message with { UrlPreview = preview }, await store.FindAsync(message.Id));
        AssertSame(message, await backend.Previews.SetUrlPreviewAsync(message.Id, message.Text, null));
        Assert.Null(await backend.Previews.SetUrlPreviewAsync(deleted.Id, "", preview));
        AssertSame(deleted, await store.FindAsync(deleted.Id));
        Assert.Null(await backend.Previews.SetUrlPreviewAsync(MessageId.New(Start), "nobody", preview));
        Assert.Null(await backend.Previews.SetUrlPreviewAsync("not-an-id", "nobody", preview));
    }
}
