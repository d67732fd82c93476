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
/// Re-broadcasts messages whose readCount changed (contract §6: the whole message again on /topic/messages/{roomId}),
/// coalesced per room: the read moves of one window (<see cref="LimitsOptions.ReadCountWindow"/>, 200 ms) produce one
/// update per affected message, not one per read — a room of 50 people opening it at once would otherwise send 50
/// copies of the same messages. The window is shared by all instances (<see cref="IReadSpanWindow"/>): whichever
/// instance handles a read, the room's moves of one window are flushed once, by the instance that opened it.
/// <para>
/// Bounded: a flush covers the span from the oldest previous position to the newest new position of its moves and
/// re-broadcasts at most <see cref="MaxMessagesPerFlush"/> messages of it, newest first (the ones on screen). Older
/// messages whose count changed are not re-sent; history and detail always compute readCount afresh.
/// </para>
/// </summary>
public sealed partial class ReadCountBroadcaster(
    IMessageStore store, ReadPositions reads, IEventBus bus, SsePublisher sse, IReadSpanWindow window, IOptionsMonitor<LimitsOptions> limits,
    ILogger<ReadCountBroadcaster> logger) : IDisposable
{
    public const int MaxMessagesPerFlush = 50;

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Adds a read move to its room's window; the move that opens a window schedules its flush. Never waits for the broadcast.</summary>
    public async Task OnMovedAsync(long roomId, ReadPositions.Move move, CancellationToken ct)
    {
        if (!move.Moved || move.Now is null)
            return;
        var length = limits.CurrentValue.ReadCountWindow;
        if (await window.AddAsync(roomId, move.Before, move.Now, length, ct))
            _ = FlushAfterWindowAsync(roomId, length);
    }

    private async Task FlushAfterWindowAsync(long roomId, TimeSpan length)
    {
        var ct = _stopping.Token;
        try
        {
            await Task.Delay(length, ct);
            if (await window.TakeAsync(roomId, ct) is not { } span)
                return;

            var newest = await store.FindAsync(span.UpTo, ct);
            var older = await store.PageAsync(new MessagePage(roomId, MaxMessagesPerFlush - 1, BeforeId: span.UpTo, AfterId: span.From), ct);
            IReadOnlyList<StoredMessage> affected = newest is null ? older : [newest, .. older];

            var participantCount = (await reads.ForRoomAsync(roomId, ct)).Count;
            foreach (var view in await reads.ViewAsync(roomId, affected, ct))
            {
                await bus.PublishAsync(new BusEvent(MessageTopics.Messages(roomId), JsonSerializer.Serialize(view, ShootJson.Options)), ct);
                await sse.PublishAsync(Sse.SseStreams.ReadCount(roomId, view.Id), "read-count",
                    new { messageId = view.Id, readCount = view.ReadCount, participantCount }, ct);
            }
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
