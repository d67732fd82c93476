using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.UrlPreviews;

namespace Shoot.Features.Messages;

/// <summary>
/// Fills <c>content.urlPreview</c> for the first http(s) URL of a message, off the persistence consumer's path: a saved
/// message only queues its URL here (the consumer never waits on the network), and a few workers fetch the preview
/// (<see cref="IUrlPreviewer"/>: guarded and cached), store it and re-broadcast the whole message. An edit that changes
/// the URL clears the old preview at once and queues the new URL; an edit that removes it just clears it. No preview
/// (refused, failed, not HTML, no tags) leaves urlPreview null. A full queue drops the preview, never the message.
/// </summary>
public sealed partial class MessagePreviews(
    IUrlPreviewer previewer, IMessageStore store, IUrlPreviewStore previews, ChangedMessageBroadcaster broadcaster, IOptionsMonitor<UrlPreviewOptions> options,
    ILogger<MessagePreviews> logger)
    : BackgroundService, IPersistenceObserver
{
    // A preview must land on a message whose text still holds its URL; a few concurrent edits may each change the text.
    private const int StoreAttempts = 3;

    private readonly Channel<(string MessageId, string Url)> _queue = Channel.CreateBounded<(string, string)>(
        new BoundedChannelOptions(options.CurrentValue.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>The first http(s) URL of <paramref name="text"/>, without the punctuation that ends a sentence around it; null when none.</summary>
    public static string? FirstUrl(string text)
    {
        var match = UrlPattern().Match(text);
        if (!match.Success)
            return null;
        var url = match.Value;
        while (url.Length > 0 && ".,;:!?'\")]}>".Contains(url[^1]))
        {
            // A closing bracket that closes one opened inside the URL belongs to it (https://en.wikipedia.org/wiki/Foo_(bar)).
            if (url[^1] is ')' or ']' or '}' && Opens(url, url[^1]) >= url.Count(c => c == url[^1]))
                break;
            url = url[..^1];
        }
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? url : null;
    }

    private static int Opens(string url, char closing) => url.Count(c => c == closing switch { ')' => '(', ']' => '[', _ => '{' });

    public ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
        {
            if (!message.IsDeleted && message.UrlPreview is null)
                Enqueue(message);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>
    /// After an edit (<paramref name="before"/> → <paramref name="edited"/>): a changed URL drops the old preview now and
    /// queues the new one. Returns the message as it is to be shown.
    /// </summary>
    public async Task<StoredMessage> RefreshAfterEditAsync(StoredMessage before, StoredMessage edited, CancellationToken ct)
    {
        if (FirstUrl(before.Text) == FirstUrl(edited.Text))
            return edited;
        if (edited.UrlPreview is not null)
            edited = await previews.SetUrlPreviewAsync(edited.Id, edited.Text, null, ct) ?? edited with { UrlPreview = null };
        Enqueue(edited);
        return edited;
    }

    private void Enqueue(StoredMessage message)
    {
        if (!options.CurrentValue.Enabled || FirstUrl(message.Text) is not { } url)
            return;
        if (!_queue.Writer.TryWrite((message.Id, url)))
            LogQueueFull(logger, message.Id);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.CurrentValue.Workers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (messageId, url) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await PreviewAsync(messageId, url, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // One bad page or a store hiccup costs that message its preview, never the loop.
                    LogPreviewFailed(logger, e, messageId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PreviewAsync(string messageId, string url, CancellationToken ct)
    {
        var preview = await previewer.PreviewAsync(url, ct);
        if (preview is null)
            return;
        for (var attempt = 0; attempt < StoreAttempts; attempt++)
        {
            var current = await store.FindAsync(messageId, ct);
            if (current is null || current.IsDeleted || FirstUrl(current.Text) != url || current.UrlPreview == preview)
                return;
            if (await previews.SetUrlPreviewAsync(messageId, current.Text, preview, ct) is { } previewed)
            {
                await broadcaster.BroadcastAsync(previewed, ct);
                return;
            }
        }
    }

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "URL preview queue full: message {MessageId} gets no preview")]
    private static partial void LogQueueFull(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "URL preview of message {MessageId} failed")]
    private static partial void LogPreviewFailed(ILogger logger, Exception exception, string messageId);
}
