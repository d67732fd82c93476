using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Caching;
using Shoot.Infrastructure.UrlPreviews;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// URL previews end to end: a message sent over STOMP with a link to a real web server on 127.0.0.1 is re-broadcast
/// with content.urlPreview, and history shows it. The server is on a private address, so these tests allow private
/// addresses (and other ports), as only tests and local development may.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UrlPreviewTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Shoot:UrlPreview:AllowPrivateAddresses"] = "true",
        ["Shoot:UrlPreview:AllowNonDefaultPorts"] = "true",
    }, kestrel: true);

    private PreviewSite _site = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!;
    private long _roomId;
    private ChatClient _chat = null!;

    private string Topic => $"/topic/messages/{_roomId}";

    public async Task InitializeAsync()
    {
        _site = await PreviewSite.StartAsync();
        (_api, _alice, _bob, _roomId, _chat) = await UrlPreviewScenario.StartAsync(_factory);
    }

    public async Task DisposeAsync()
    {
        await _chat.DisposeAsync();
        await _factory.DisposeAsync();
        await _site.DisposeAsync();
    }

    private async Task<JsonNode> WaitForPreviewAsync(string messageId, string title) =>
        (await _chat.WaitForAsync(Topic, 1, m => m["id"]!.GetValue<string>() == messageId
            && m["content"]!["urlPreview"]?["title"]?.GetValue<string>() == title))[0];

    [Fact]
    public async Task A_link_is_previewed_re_broadcast_whole_and_kept_in_history_and_the_page_is_fetched_once()
    {
        var id = await UrlPreviewScenario.SendSavedAsync(_chat, _roomId, "p1", $"read this: {_site.Url("/og")}.");

        var broadcast = await WaitForPreviewAsync(id, "The Shoot blog");
        var expected = new JsonObject
        {
            ["url"] = _site.Url("/og"), ["title"] = "The Shoot blog", ["description"] = "Chat that scales",
            ["imageUrl"] = _site.Url("/img/cover.png"), ["siteName"] = "Shoot",
        };
        Assert.True(JsonNode.DeepEquals(expected, broadcast["content"]!["urlPreview"]), broadcast.ToJsonString());
        Assert.Equal($"read this: {_site.Url("/og")}.", broadcast["content"]!["text"]!.GetValue<string>());
        Assert.Equal(_alice.Id, broadcast["senderId"]!.GetValue<long>());
        Assert.Equal("SAVED", broadcast["status"]!.GetValue<string>());
        var stored = (await _api.GetAsync($"/api/v1/messages/{id}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.True(JsonNode.DeepEquals(expected, stored["content"]!["urlPreview"]));

        // The same link again: the preview comes from the cache, the page is not asked for twice.
        var again = await UrlPreviewScenario.SendSavedAsync(_chat, _roomId, "p2", $"{_site.Url("/og")} once more");
        await WaitForPreviewAsync(again, "The Shoot blog");
        Assert.Equal(1, _site.Hits("/og"));
        var history = (await _api.GetAsync($"/api/v1/messages/{_roomId}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray();
        Assert.All(history, m => Assert.Equal("The Shoot blog", m!["content"]!["urlPreview"]!["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_edit_that_changes_the_link_refreshes_the_preview_and_one_that_removes_it_clears_it()
    {
        var id = await UrlPreviewScenario.SendSavedAsync(_chat, _roomId, "e1", $"see {_site.Url("/og")}");
        await WaitForPreviewAsync(id, "The Shoot blog");

        var changed = (await _api.PutAsync($"/api/v1/messages/{id}", new { text = $"no, see {_site.Url("/other")}" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        // The old preview is gone at once; the new one follows on the topic.
        Assert.Null(changed["content"]!["urlPreview"]);
        await WaitForPreviewAsync(id, "Another page");

        var sameLink = (await _api.PutAsync($"/api/v1/messages/{id}", new { text = $"really, see {_site.Url("/other")} !" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal("Another page", sameLink["content"]!["urlPreview"]!["title"]!.GetValue<string>());

        var unlinked = (await _api.PutAsync($"/api/v1/messages/{id}", new { text = "never mind" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Null(unlinked["content"]!["urlPreview"]);
        var stored = (await _api.GetAsync($"/api/v1/messages/{id}", _bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Null(stored["content"]!["urlPreview"]);
        Assert.Equal(1, _site.Hits("/other"));
    }
}

/// <summary>
/// With the default address policy, a link to 127.0.0.1 gets no preview and the server is never asked. Other ports are
/// allowed here only so that the address check, not the port check, is what refuses the test server's URL.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UrlPreviewDefaultsTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?> { ["Shoot:UrlPreview:AllowNonDefaultPorts"] = "true" }, kestrel: true);
    private PreviewSite _site = null!;

    public async Task InitializeAsync() => _site = await PreviewSite.StartAsync();

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _site.DisposeAsync();
    }

    [Fact]
    public async Task A_link_to_a_private_address_gets_no_preview_and_no_request()
    {
        var (api, _, bob, roomId, chat) = await UrlPreviewScenario.StartAsync(_factory);
        await using var _ = chat;
        var url = _site.Url("/og");

        var id = await UrlPreviewScenario.SendSavedAsync(chat, roomId, "d1", $"internal {url}");

        // The previewer's verdict lands in the shared cache: wait for it, then nothing more can happen for this link.
        var cache = _factory.Services.GetRequiredService<ICache>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await cache.GetAsync(CachedUrlPreviewer.CacheKey(url)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "The preview of the message was never attempted.");
            await Task.Delay(20);
        }
        Assert.Equal(CachedUrlPreviewer.NoPreview, await cache.GetAsync(CachedUrlPreviewer.CacheKey(url)));
        Assert.Equal(0, _site.TotalHits);
        var stored = (await api.GetAsync($"/api/v1/messages/{id}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Null(stored["content"]!["urlPreview"]);
        Assert.Single(chat.Received($"/topic/messages/{roomId}"));
    }
}

internal static class UrlPreviewScenario
{
    /// <summary>Alice and Bob in a room; Alice's STOMP client subscribed to its messages and statuses.</summary>
    public static async Task<(ShootClient Api, TestUser Alice, TestUser Bob, long RoomId, ChatClient Chat)> StartAsync(ShootAppFactory factory)
    {
        var api = factory.CreateShootClient();
        var alice = await api.CreateUserAsync("ua");
        var bob = await api.CreateUserAsync("ub");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var chat = await ChatClient.ConnectAsync(factory.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/messages/{roomId}");
        await chat.SubscribeAsync($"/topic/message/status/{roomId}");
        return (api, alice, bob, roomId, chat);
    }

    /// <summary>Sends and waits until stored; returns the message id.</summary>
    public static async Task<string> SendSavedAsync(ChatClient chat, long roomId, string tempId, string text)
    {
        await chat.SendChatAsync(roomId, tempId, text);
        var saved = await chat.WaitForAsync($"/topic/message/status/{roomId}", 1,
            s => s["tempId"]!.GetValue<string>() == tempId && s["status"]!.GetValue<string>() == "SAVED");
        return saved[0]["persistedId"]!.GetValue<string>();
    }
}
