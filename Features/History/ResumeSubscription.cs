using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features.Messages;

/// <summary>
/// SUBSCRIBE <c>/topic/messages/{roomId}</c> with <c>x-resume-after-seq: N</c> first replays every message with seq &gt; N:
/// the stored ones from the message store, then the ones still on their way to it from the room's recent ring. Live
/// messages wait meanwhile (the STOMP subscription holds them), and those already replayed are dropped, so the client
/// sees every seq once, in order, with no gap between history and live.
/// </summary>
public sealed class ResumeSubscription(IMessageStore store, IMessageSequencer sequencer, ReadPositions reads) : IStompSubscriptionListener
{
    public const string Header = "x-resume-after-seq";
    private const int PageSize = 200;

    public async ValueTask OnSubscribedAsync(StompSubscription subscription, StompFrame frame, CancellationToken ct)
    {
        if (frame[Header] is not { } header
            || RoomTopicAuthorizer.RoomIdOf(subscription.Destination, MessageTopics.MessagesPrefix) is not { } roomId
            || !long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var afterSeq))
            return;

        var last = afterSeq;
        while (true)
        {
            var page = await store.PageAsync(new MessagePage(roomId, PageSize, AfterSeq: last), ct);
            // Stored messages carry their readCount, like history (one read of the positions per page).
            foreach (var message in await reads.ViewAsync(roomId, page, ct))
                Deliver(subscription, message.Seq, JsonSerializer.Serialize(message, ShootJson.Options));
            if (page.Count > 0)
                last = page[^1].Seq;
            if (page.Count < PageSize)
                break;
        }
        foreach (var recent in await sequencer.RecentAsync(roomId, last, ct))
        {
            Deliver(subscription, recent.Seq, recent.Payload);
            last = recent.Seq;
        }
        subscription.ReplayedThrough(last);
    }

    public ValueTask OnUnsubscribedAsync(StompSubscription subscription) => ValueTask.CompletedTask;

    private static void Deliver(StompSubscription subscription, long seq, string json) =>
        subscription.Deliver(StompEncodedMessage.Create(subscription.Destination, Encoding.UTF8.GetBytes(json), sequence: seq));
}
