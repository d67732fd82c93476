using System.Globalization;

namespace Shoot.LoadTest;

/// <summary>
/// The <c>--sse</c> rows of the messages report: how many unread events the clients got, and how long after its send
/// each message from another member was counted on the unread stream (see <see cref="UnreadCoverage.Compute"/>).
/// </summary>
public static class UnreadReport
{
    /// <param name="Rows">Rows for the report's table.</param>
    /// <param name="Failures">Streams that failed, one line each.</param>
    /// <param name="Clean">Every stream ran, every measured message was counted, and no count went wrong.</param>
    public sealed record Result(List<(string Name, string Value)> Rows, List<string> Failures, bool Clean);

    public static Result Build(IReadOnlyList<LoadClient> clients, double measuredSeconds)
    {
        var latency = LoadMath.NewLatencyHistogram();
        long received = 0, receivedInWindow = 0, measuredFromOthers = 0, foreignRoomEvents = 0, largestDrop = 0;
        int uncovered = 0, backwardSteps = 0, totalMismatches = 0, finalCountWrong = 0;
        var perClientPerSecond = new List<double>();
        var failures = new List<string>();
        foreach (var client in clients)
        {
            var stream = client.UnreadStream ?? throw new InvalidOperationException($"client {client.User.Index} has no unread stream");
            if (stream.Failure is not null) failures.Add($"client {client.User.Index}: {stream.Failure}");

            var fromOthers = MessagesFromOthers(client);
            var coverage = UnreadCoverage.Compute(fromOthers, stream.AtStart, stream.Events, client.MeasureFromTicks);
            foreach (var microseconds in coverage.LatenciesMicroseconds) latency.RecordValue(microseconds);
            measuredFromOthers += fromOthers.Count(m => m.SentTicks >= client.MeasureFromTicks);
            uncovered += coverage.Uncovered;
            backwardSteps += coverage.BackwardSteps;
            largestDrop = Math.Max(largestDrop, coverage.LargestDrop);
            totalMismatches += coverage.TotalMismatches;
            // After the drain the last count must be every message from others, no more (as this client received them).
            if ((coverage.FinalCount ?? 0) != fromOthers.Count) finalCountWrong++;
            foreignRoomEvents += stream.ForeignRoomEvents;

            var inWindow = stream.Events.Count(e => e.ArrivedTicks >= client.MeasureFromTicks && e.ArrivedTicks < client.MeasureUntilTicks);
            received += stream.Events.Count;
            receivedInWindow += inWindow;
            perClientPerSecond.Add(inWindow / measuredSeconds);
        }

        List<(string Name, string Value)> rows =
        [
            ("unread streams (SSE)", $"{clients.Count} opened, {failures.Count} failed"),
            ("unread events received", $"{received} (whole run: warm-up and drain included)"),
            ("unread events in window", $"{receivedInWindow} ({Report.F(receivedInWindow / measuredSeconds)}/s)"),
            ("  per client /s min / avg / max",
                $"{Report.F(perClientPerSecond.Min())} / {Report.F(perClientPerSecond.Average())} / {Report.F(perClientPerSecond.Max())}"),
            ("  per message from others", measuredFromOthers == 0 ? "–" : Ratio(receivedInWindow, measuredFromOthers) + " (below 1: coalesced)"),
            ("send→SSE unread samples", $"{latency.TotalCount} of {measuredFromOthers} measured messages from others"),
            .. Report.LatencyRows("send→SSE unread", latency),
            ("messages no unread event covered", Count(uncovered)),
            ("unread count went backwards", $"{Count(backwardSteps)} events (lower than the one before; by up to {Count(largestDrop)})"),
            ("final unread ≠ messages from others", Count(finalCountWrong) + " clients"),
            ("totalUnread apart from unreadCount", Count(totalMismatches) + " events"),
            ("unread events of other rooms", Count(foreignRoomEvents)),
        ];
        var clean = failures.Count == 0 && uncovered == 0 && backwardSteps == 0 && finalCountWrong == 0 && totalMismatches == 0
            && foreignRoomEvents == 0;
        return new Result(rows, failures, clean);
    }

    /// <summary>The room's messages this client received whose tempId names another client, one per seq.</summary>
    private static List<MessageFromOther> MessagesFromOthers(LoadClient client)
    {
        var messages = new List<MessageFromOther>();
        foreach (var delivery in client.Deliveries.DistinctBy(d => d.Seq))
        {
            if (delivery.TempId is { } tempId && tempId.Client != client.User.Index)
                messages.Add(new MessageFromOther(delivery.Seq, tempId.SentTicks));
        }
        return messages;
    }

    /// <summary>Three decimals: 0.999 (nearly one event per message) must not round to 1.</summary>
    private static string Ratio(long events, long messages) => ((double)events / messages).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
