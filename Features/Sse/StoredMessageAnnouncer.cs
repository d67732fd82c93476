using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;

namespace Shoot.Features.Sse;

/// <summary>
/// Takes the SSE announcements of stored messages off the persistence consumer's path: the consumer only notes which
/// rooms got messages (and from whom), and this loop announces them, once per room however many messages arrived
/// meanwhile. The counts are read when announced, so a coalesced announcement is as exact as one per message.
/// </summary>
public sealed partial class StoredMessageAnnouncer(RoomActivityStreams streams, ILogger<StoredMessageAnnouncer> logger)
    : BackgroundService, IPersistenceObserver
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<long, byte>> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);

    public ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
            _pending.GetOrAdd(message.RoomId, _ => new())[message.SenderId] = 0;
        _wake.Release();
        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var roomId in _pending.Keys)
            {
                if (!_pending.TryRemove(roomId, out var senders))
                    continue;
                try
                {
                    await streams.AnnounceStoredAsync(roomId, senders.Keys.ToHashSet(), stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogAnnounceFailed(logger, roomId, e);
                }
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing stored messages of room {RoomId} on SSE failed")]
    private static partial void LogAnnounceFailed(ILogger logger, long roomId, Exception exception);
}
