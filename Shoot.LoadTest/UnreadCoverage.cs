namespace Shoot.LoadTest;

/// <summary>One <c>unread</c> event of a client's room, as it arrived on the client's unread stream.</summary>
public readonly record struct UnreadEvent(long UnreadCount, long TotalUnread, long ArrivedTicks);

/// <summary>A message of the client's room sent by another member: its seq and the sender's Stopwatch stamp (from tempId).</summary>
public readonly record struct MessageFromOther(long Seq, long SentTicks);

/// <summary>The room's unread count and the user's total when the stream opened, before anyone sent.</summary>
public readonly record struct UnreadAtStart(long RoomCount, long Total);

/// <summary>What one client's unread events say about the messages others sent to its room.</summary>
/// <param name="LatenciesMicroseconds">Send → first covering unread event, for each measured message that got one.</param>
/// <param name="Uncovered">Measured messages no unread event ever covered.</param>
/// <param name="BackwardSteps">Events whose count was lower than the event before (nobody reads, so never expected).</param>
/// <param name="LargestDrop">The most any such event fell below the one before (0 without).</param>
/// <param name="FinalCount">The last event's count relative to the start; null without events.</param>
/// <param name="TotalMismatches">Events whose totalUnread moved apart from unreadCount (the user is in this room only).</param>
public sealed record UnreadCoverage(List<long> LatenciesMicroseconds, int Uncovered, int BackwardSteps, long LargestDrop, long? FinalCount,
    int TotalMismatches)
{
    /// <summary>
    /// In the messages scenario nobody reads, so the count only grows, and an event with count c (relative to the start)
    /// says the first c messages from others, in seq order, are counted. The latency of the k-th such message is thus the
    /// arrival of the first event with count ≥ k minus the message's send stamp. Only messages sent from
    /// <paramref name="measureFromTicks"/> on are measured; the warm-up's still take their rank.
    /// </summary>
    /// <param name="messagesFromOthers">The room's messages from others this client received on STOMP (any order, duplicates allowed).</param>
    /// <param name="events">The room's unread events in arrival order.</param>
    public static UnreadCoverage Compute(IEnumerable<MessageFromOther> messagesFromOthers, UnreadAtStart atStart,
        IReadOnlyList<UnreadEvent> events, long measureFromTicks)
    {
        var ordered = messagesFromOthers.DistinctBy(m => m.Seq).OrderBy(m => m.Seq).ToList();

        // firstCovered[k - 1]: when the first event counting at least k messages arrived. Capped at the messages known,
        // so an over-count cannot make this list grow without bound (it shows as FinalCount instead).
        var firstCovered = new List<long>();
        long? previous = null;
        int backwardSteps = 0, totalMismatches = 0;
        long largestDrop = 0;
        foreach (var e in events)
        {
            var count = e.UnreadCount - atStart.RoomCount;
            if (count < previous)
            {
                backwardSteps++;
                largestDrop = Math.Max(largestDrop, previous.Value - count);
            }
            previous = count;
            if (e.TotalUnread - e.UnreadCount != atStart.Total - atStart.RoomCount) totalMismatches++;
            while (firstCovered.Count < Math.Min(count, ordered.Count)) firstCovered.Add(e.ArrivedTicks);
        }

        var latencies = new List<long>();
        var uncovered = 0;
        for (var rank = 0; rank < ordered.Count; rank++)
        {
            var message = ordered[rank];
            if (message.SentTicks < measureFromTicks) continue;
            if (rank < firstCovered.Count)
                latencies.Add(Math.Max(0, LoadMath.TicksToMicroseconds(firstCovered[rank] - message.SentTicks)));
            else
                uncovered++;
        }
        return new UnreadCoverage(latencies, uncovered, backwardSteps, largestDrop, previous, totalMismatches);
    }
}
