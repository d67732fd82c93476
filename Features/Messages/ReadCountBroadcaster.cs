using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Sse;
using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// Re-broadcasts messages whose readCount changed (contract §6: the whole message again on /topic/messages/{roomId}),
/// coalesced per room: the read moves of one <see cref="Window"/> produce one update per affected message, not one per
/// read — a room of 50 people opening it at once would otherwise send 50 copies of the same messages.
/// <para>
/// Bounded: a flush covers the span from the oldest previous position to the newest new position of its moves and
/// re-broadcasts at most <see cref="MaxMessagesPerFlush"/> messages of it, newest first (the ones on screen). Older
/// messages whose count changed are not re-sent; history and detail always compute readCount afresh.
/// </para>
/// <para>
/// In-process: each instance coalesces the reads it handles and publishes on the bus, which reaches every instance;
/// two instances handling reads of one room in the same window each send their own update.
/// </para>
/// </summary>
public sealed partial class ReadCountBroadcaster(IMessageStore store, ReadPositions reads, IEventBus bus, SsePublisher sse, ILogger<ReadCountBroadcaster> logger)
    : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);
    public const int MaxMessagesPerFlush = 50;

    private readonly ConcurrentDictionary<long, PendingRoom> _pending = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The moves waiting for one room's flush; closed once the flush has taken them.</summary>
    private sealed class PendingRoom
    {
        public readonly List<ReadPositions.Move> Moves = [];
        public bool Closed;
    }

    /// <summary>Records a read move; the first move of a room starts its window. Never waits for the broadcast.</summary>
    public void OnMoved(long roomId, ReadPositions.Move move)
    {
        if (!move.Moved || move.Now is null)
            return;
        while (true)
        {
            var room = _pending.GetOrAdd(roomId, _ => new PendingRoom());
            lock (room)
            {
                // Taken by a flush between GetOrAdd and the lock: the next GetOrAdd finds (or makes) a fresh one.
                if (room.Closed)
                    continue;
                room.Moves.Add(move);
                if (room.Moves.Count == 1)
                    _ = FlushAfterWindowAsync(roomId, room);
                return;
            }
        }
    }

    private async Task FlushAfterWindowAsync(long roomId, PendingRoom room)
    {
        var ct = _stopping.Token;
        try
        {
            await Task.Delay(Window, ct);
            List<ReadPositions.Move> moves;
            lock (room)
            {
                room.Closed = true;
                moves = [.. room.Moves];
            }
            _pending.TryRemove(new KeyValuePair<long, PendingRoom>(roomId, room));

            // A previous position of null (a first read) means "from the room's start"; the cap keeps that bounded.
            var from = moves.Any(m => m.Before is null) ? null : moves.Select(m => m.Before!).Min(StringComparer.Ordinal);
            var upTo = moves.Select(m => m.Now!).Max(StringComparer.Ordinal)!;
            var newest = await store.FindAsync(upTo, ct);
            var older = await store.PageAsync(new MessagePage(roomId, MaxMessagesPerFlush - 1, BeforeId: upTo, AfterId: from), ct);
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
