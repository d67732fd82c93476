using System.Text;
using Shoot.Infrastructure.Auth;

namespace Shoot.Infrastructure.Sse;

/// <summary>
/// Writes one stream to an HTTP response until the client goes away: missed events (Last-Event-ID), then live ones,
/// and a <c>: ping</c> comment every <see cref="SseOptions.PingInterval"/> so proxies and browsers keep the connection open.
/// A stream ends when the access token that opened it expires (like a STOMP session) and when <see cref="SseHub.Close"/>
/// ends its owner's access.
/// </summary>
public static class SseResponse
{
    public const string ContentType = "text/event-stream";

    /// <param name="replay">False when events of this stream may have been skipped since the client's Last-Event-ID
    /// (<see cref="SseListeners"/>): nothing is replayed then, as for an id the ring no longer holds.</param>
    public static async Task StreamAsync(HttpContext context, SseHub hub, string streamKey, SseOwner? owner = null, bool replay = true)
    {
        var pingInterval = context.RequestServices.GetRequiredService<IOptions<SseOptions>>().Value.PingInterval;
        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        // nginx and similar proxies buffer responses unless told not to; an event must not wait in a buffer.
        response.Headers["X-Accel-Buffering"] = "no";
        var lastEventId = replay ? context.Request.Headers["Last-Event-ID"].FirstOrDefault() : null;
        using var subscription = hub.Subscribe(streamKey, string.IsNullOrEmpty(lastEventId) ? null : lastEventId, owner);
        using var counted = context.RequestServices.GetRequiredService<Observability.ShootMetrics>().SseStreamOpen();
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (context.User.TokenExpiry() is { } expiry)
        {
            var clock = context.RequestServices.GetRequiredService<TimeProvider>();
            lifetime.CancelAfter(Clamp(expiry - clock.GetUtcNow()));
        }
        var aborted = lifetime.Token;
        await response.WriteAsync(": connected\n\n", aborted);
        await response.Body.FlushAsync(aborted);
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                using var ping = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                ping.CancelAfter(pingInterval);
                string chunk;
                try
                {
                    var sseEvent = await subscription.Events.ReadAsync(ping.Token);
                    chunk = Format(sseEvent);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    chunk = ": ping\n\n";
                }
                await response.WriteAsync(chunk, aborted);
                await response.Body.FlushAsync(aborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException or IOException)
        {
            // The client left, or fell behind and lost its queue: either way the stream ends; a client reconnects with Last-Event-ID.
        }
    }

    /// <summary>CancelAfter takes at most about 49 days; a stream of a longer-lived token ends after 40 and reconnects.</summary>
    private static TimeSpan Clamp(TimeSpan untilExpiry) =>
        untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry > TimeSpan.FromDays(40) ? TimeSpan.FromDays(40) : untilExpiry;

    public static string Format(SseEvent sseEvent)
    {
        var text = new StringBuilder();
        text.Append("id: ").Append(sseEvent.Id).Append('\n');
        text.Append("event: ").Append(sseEvent.Event).Append('\n');
        // JSON from the serializer has no raw newlines, but a data field must never carry one unprefixed.
        foreach (var line in sseEvent.Data.Split('\n'))
            text.Append("data: ").Append(line).Append('\n');
        return text.Append('\n').ToString();
    }
}
