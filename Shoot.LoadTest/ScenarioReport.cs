using System.Globalization;
using System.Text;

namespace Shoot.LoadTest;

/// <summary>The end-of-run table of the reads and typing scenarios: events sent, what clients saw, server CPU per event.</summary>
public static class ScenarioReport
{
    public static Report Build(IReadOnlyList<LoadClient> clients, LoadOptions options, double measuredSeconds, double? cpuSeconds)
    {
        var reads = options.Scenario == Scenario.Reads;
        var sent = clients.Sum(c => c.MeasuredEventsSent);
        var received = clients.Select(c => reads ? c.MeasuredUpdates : c.MeasuredTypingEvents).ToList();
        var total = received.Sum();
        var perClient = received.Select(r => r / measuredSeconds).ToList();
        var errors = clients.SelectMany(c => c.Errors).ToList();
        var failures = clients.Where(c => c.Failure is not null).Select(c => $"client {c.User.Index}: {c.Failure}").ToList();
        var what = reads ? "read-count updates" : "typing events";

        var rows = new List<(string, string)>
        {
            ("scenario", reads ? "reads (/app/read → re-broadcast on /topic/messages)" : "typing (/app/typing → /topic/typing)"),
            ("clients / rooms", $"{clients.Count} / {options.Rooms}"),
            ("measured window", $"{F(measuredSeconds)} s"),
        };
        if (reads) rows.Add(("seeded messages (per room, avg)", F(clients.Average(c => c.MessageIds.Count))));
        rows.AddRange(
        [
            (reads ? "reads sent" : "typing sent", $"{sent} ({F(sent / measuredSeconds)}/s, {F(sent / measuredSeconds / clients.Count)}/s per client)"),
            (what + " received", $"{total} ({F(total / measuredSeconds)}/s)"),
            ("  per client /s min / avg / max", $"{F(perClient.Min())} / {F(perClient.Average())} / {F(perClient.Max())}"),
            ("  per event sent", sent == 0 ? "–" : F((double)total / sent)),
        ]);
        if (reads) rows.Add(("  of which readCount unchanged", clients.Sum(c => c.MeasuredUnchangedUpdates).ToString(CultureInfo.InvariantCulture)));
        if (!reads) rows.Add(("  of which isTyping:false", clients.Sum(c => c.MeasuredTypingStops).ToString(CultureInfo.InvariantCulture)));
        if (cpuSeconds is { } cpu)
        {
            rows.Add(("server CPU in window", $"{F(cpu)} s ({F(cpu / measuredSeconds * 100)}% of one core)"));
            rows.Add(("  ms per 1,000 sent", Per(cpu, sent)));
            rows.Add(("  ms per 1,000 received", Per(cpu, total)));
        }
        rows.Add(("max send lag", (clients.Max(c => c.MaxSendLagMicroseconds) / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " ms"));
        rows.Add(("/user/queue/errors", errors.Count.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("failed sessions", failures.Count.ToString(CultureInfo.InvariantCulture)));

        var text = new StringBuilder();
        Report.AppendTable(text, rows);
        foreach (var error in errors.Take(5)) text.AppendLine("error: " + error);
        foreach (var failure in failures.Take(5)) text.AppendLine("failure: " + failure);
        return new Report(text.ToString(), errors.Count == 0 && failures.Count == 0);
    }

    private static string Per(double cpuSeconds, long events) =>
        ServerCpu.MillisecondsPerThousand(cpuSeconds, events) is { } ms ? F(ms) + " ms" : "–";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
