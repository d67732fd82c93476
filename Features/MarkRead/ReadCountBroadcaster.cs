using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Reads;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Sse;

namespace Shoot.Features.Messages;

/// <summary>
/// Re-broadcasts messages whose readCount changed (docs/api.md §6: the whole message again on /topic/messages/{roomId}),
/// coalesced per room: the read moves of one window (<see cref="LimitsOptions.ReadCountWindow"/>, 200 ms) produce one
/// update per affected message, not one per read — a room of 50 people opening it at once would otherwise send 50
/// copies of the same messages. The window is shared by all instances (<see cref="IReadSpanWindow"/>): whichever
/// instance handles a read, the room's moves of one window are flushed once, by the instance that opened it.
/// <para>
/// Bounded: a flush covers the span from the oldest previous position to the newest new position of its moves and
/// re-broadcasts at most <see cref="MaxMessagesPerFlush"/> messages of it, newest first (the ones on screen). Older
/// messages whose count changed are not re-sent; history and detail always compute readCount afresh. A window whose
/// newest message is not stored yet waits for it (up to <see cref="MaxDeferral"/>), so it is re-sent with its count.
/// </para>
/// </summary>
public sealed partial class ReadCountBroadcaster(
    IMessageStore store, ReadPositions reads, IEventBus bus, IReadSpanWindow window, IOptionsMonitor<LimitsOptions> limits, TimeProvider clock,
    ILogger<ReadCountBroadcaster> logger) : IDisposable
{
    public const int MaxMessagesPerFlush = 50;

    /// <summary>How long a window whose newest read message is still on its way to the store waits for it, window after window.</summary>
    public static readonly TimeSpan MaxDeferral = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Adds a read move to its room's window; the move that opens a window schedules its flush. Never waits for the broadcast.</summary>
    public async Task OnMovedAsync(long roomId, ReadPositions.Move move, CancellationToken ct)
    {
        if (!move.Moved || move.Now is null)
            return;
        var length = limits.CurrentValue.ReadCountWindow;
        if (await window.AddAsync(roomId, move.Before, move.Now, length, ct))
            _ = FlushAfterWindowAsync(roomId, length, deferredSince: null);
    }

    private async Task FlushAfterWindowAsync(long roomId, TimeSpan length, DateTimeOffset? deferredSince)
    {
        var ct = _stopping.Token;
        try
        {
            await Task.Delay(length, ct);
            if (await window.TakeAsync(roomId, ct) is not { } span)
                return;

            var newest = await store.FindAsync(span.UpTo, ct);
            var now = clock.GetUtcNow();
            if (newest is null && now - (deferredSince ?? now) < MaxDeferral)
            {
                // Read before it was stored (mark-read takes messages on their way): wait for the store, so the message
                // goes out with its count. Another read meanwhile may have opened the window; its flush covers this span.
                if (await window.AddAsync(roomId, span.From, span.UpTo, length, ct))
                    _ = FlushAfterWindowAsync(roomId, length, deferredSince ?? now);
                return;
            }
            var older = await store.PageAsync(new MessagePage(roomId, MaxMessagesPerFlush - 1, BeforeId: span.UpTo, AfterId: span.From), ct);
            IReadOnlyList<StoredMessage> affected = newest is null ? older : [newest, .. older];

            var participantCount = (await reads.ForRoomAsync(roomId, ct)).Count;
            var events = new List<BusEvent>(affected.Count * 2);
            foreach (var view in await reads.ViewAsync(roomId, affected, ct))
            {
                events.Add(new BusEvent(MessageTopics.Messages(roomId), JsonSerializer.Serialize(view, ShootJson.Options)));
                events.Add(SsePublisher.Event(Sse.SseStreams.ReadCount(roomId, view.Id), "read-count",
                    new { messageId = view.Id, readCount = view.ReadCount, participantCount }));
            }
            await bus.PublishManyAsync(events, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the counts are still right in history; only this live update is lost.
        }
        catch (Exception e)
        {
            LogFlushFailed(logger, e, roomId);
        }
    }

    // Cancel only: a flush starting during shutdown still reads the token.
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read-count update for room {RoomId} was not broadcast")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, long roomId);
}
