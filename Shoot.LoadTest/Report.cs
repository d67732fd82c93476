using System.Globalization;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace Shoot.LoadTest;

/// <summary>Turns what the clients recorded into the end-of-run table.</summary>
public sealed record Report(string Text, bool Clean)
{
    /// <summary>
    /// Waits until every client has received as many messages as its room was sent, has seen each of its own sends
    /// SAVED and (with <c>--sse</c>) has an unread event counting every message the others sent, or the time is up.
    /// Without the SAVED wait, stopping the servers right after the last live delivery would cut off messages still
    /// between Kafka and the store, and the run would report them as not saved.
    /// </summary>
    public static async Task DrainAsync(IReadOnlyList<LoadClient> clients, TimeSpan patience, CancellationToken ct)
    {
        var sentPerRoom = clients.GroupBy(c => c.RoomIndex).ToDictionary(g => g.Key, g => g.Sum(c => c.Sends.Count));
        bool Waiting(LoadClient c) =>
            c.Failure is null
            && (c.Deliveries.Count < sentPerRoom[c.RoomIndex] || c.Saved.Count < c.Sends.Count
                || c.UnreadStream is { Failure: null } unread && !unread.HasCounted(sentPerRoom[c.RoomIndex] - c.Sends.Count));
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline && clients.Any(Waiting))
        {
            await Task.Delay(100, ct);
        }
    }

    public static Report Build(IReadOnlyList<LoadClient> clients, LoadOptions options, double measuredSeconds, double? cpuSeconds = null,
        double? allocatedBytes = null)
    {
        // tempId → seq as any member of the room saw it; a message nobody received has no seq.
        var seqOf = new Dictionary<LoadTempId, long>();
        var conflicts = 0;
        foreach (var client in clients)
        {
            foreach (var d in client.Deliveries)
            {
                if (d.TempId is not { } tempId) continue;
                if (seqOf.TryGetValue(tempId, out var seen) && seen != d.Seq) conflicts++;
                else seqOf[tempId] = d.Seq;
            }
        }

        // Sends the server refused (rate limit, validation) name their tempId on /user/queue/errors.
        var refusedTempIds = clients.SelectMany(c => c.Errors).Select(TempIdOfError).OfType<LoadTempId>().ToHashSet();
        long refused = 0, saved = 0;

        var members = clients.GroupBy(c => c.RoomIndex).ToDictionary(g => g.Key, g => g.ToList());
        long measuredSends = 0, expected = 0, delivered = 0, missing = 0, duplicates = 0, undelivered = 0, outOfOrder = 0;
        var perClientCounts = clients.ToDictionary(c => c, c => c.Deliveries.GroupBy(d => d.Seq).ToDictionary(g => g.Key, g => g.Count()));
        foreach (var client in clients)
        {
            // Every subscriber must see a room's messages in seq order (docs/api.md §8).
            for (var i = 1; i < client.Deliveries.Count; i++)
                if (client.Deliveries[i].Seq <= client.Deliveries[i - 1].Seq) outOfOrder++;
        }

        foreach (var sender in clients)
        {
            foreach (var sent in sender.Sends.Where(s => s.Measured))
            {
                measuredSends++;
                if (refusedTempIds.Contains(sent.TempId)) refused++;
                if (sender.Saved.Contains(sent.TempId)) saved++;
                var room = members[sender.RoomIndex];
                expected += room.Count;
                if (!seqOf.TryGetValue(sent.TempId, out var seq))
                {
                    undelivered++;
                    missing += room.Count;
                    continue;
                }
                foreach (var member in room)
                {
                    var count = perClientCounts[member].GetValueOrDefault(seq);
                    if (count == 0) missing++;
                    else delivered++;
                    if (count > 1) duplicates += count - 1;
                }
            }
        }

        var latency = LoadMath.NewLatencyHistogram();
        var saveLatency = LoadMath.NewLatencyHistogram();
        foreach (var client in clients)
        {
            latency.Add(client.Latency);
            saveLatency.Add(client.SaveLatency);
        }
        var errors = clients.SelectMany(c => c.Errors).ToList();
        var failures = clients.Where(c => c.Failure is not null).Select(c => $"client {c.User.Index}: {c.Failure}").ToList();
        var unread = options.Sse ? UnreadReport.Build(clients, measuredSeconds) : null;
        var maxLag = clients.Max(c => c.MaxSendLagMicroseconds);

        List<(string Name, string Value)> rows =
        [
            ("clients / rooms / URLs", $"{clients.Count} / {members.Count} / {options.Urls.Count}"),
            ("offered rate", $"{F(options.Senders * options.Rate)} msg/s ({F(options.Rate)} per sending client)"),
            ("measured window", $"{F(measuredSeconds)} s (after {F(options.WarmupSeconds)} s warm-up)"),
            ("sends", $"{measuredSends} ({F(measuredSends / measuredSeconds)}/s)"),
            ("expected deliveries", $"{expected} (each send × members of its room, sender included)"),
            ("delivered (unique)", $"{delivered} ({F(delivered / measuredSeconds)}/s)"),
            ("missing", missing.ToString(CultureInfo.InvariantCulture)),
            ("duplicates", duplicates.ToString(CultureInfo.InvariantCulture)),
            ("sends nobody received", undelivered.ToString(CultureInfo.InvariantCulture)),
            ("  of which refused", $"{refused} (named by /user/queue/errors)"),
            ("out-of-order deliveries", outOfOrder.ToString(CultureInfo.InvariantCulture)),
            ("seq conflicts", conflicts.ToString(CultureInfo.InvariantCulture)),
            ("latency samples", latency.TotalCount.ToString(CultureInfo.InvariantCulture)),
            .. LatencyRows("latency", latency),
            ("latency p99 by room", RoomSpread(clients)),
            .. unread?.Rows ?? [],
            ("sends SAVED (status)", $"{saved} of {measuredSends}"),
            ("send→SAVED p50 / p99", $"{Percentile(saveLatency, 50)} / {Percentile(saveLatency, 99)}"),
            ("send→SAVED max", Percentile(saveLatency, 100)),
            ("max send lag", Ms(maxLag) + " (behind schedule; large = load generator overloaded)"),
            ("/user/queue/errors", errors.Count.ToString(CultureInfo.InvariantCulture)),
            ("failed sessions", failures.Count.ToString(CultureInfo.InvariantCulture)),
        ];
        if (cpuSeconds is { } cpu)
        {
            rows.Add(("server CPU", $"{F(cpu)} s from the window's start to the drain's end ({F(cpu / measuredSeconds * 100)}% of one core over the window)"));
            rows.Add(("  CPU µs per send", ServerCpu.MillisecondsPerThousand(cpu, measuredSends) is { } perSend ? F(perSend) + " µs" : "–"));
            rows.Add(("  CPU µs per delivery", ServerCpu.MillisecondsPerThousand(cpu, delivered) is { } perDelivery ? F(perDelivery) + " µs" : "–"));
        }
        if (allocatedBytes is { } bytes)
        {
            rows.Add(("server allocations", $"{F(bytes / measuredSeconds / 1e6)} MB/s"));
            rows.Add(("  bytes per send / delivery", $"{(measuredSends == 0 ? "–" : F(bytes / measuredSends))} / {(delivered == 0 ? "–" : F(bytes / delivered))}"));
        }

        var text = new StringBuilder();
        AppendTable(text, rows);
        foreach (var error in errors.Take(5)) text.AppendLine("error: " + error);
        foreach (var failure in failures.Take(5)) text.AppendLine("failure: " + failure);
        foreach (var failure in unread?.Failures.Take(5) ?? []) text.AppendLine("failure: " + failure);

        var clean = saved == measuredSends && missing == 0 && duplicates == 0 && outOfOrder == 0 && conflicts == 0 && errors.Count == 0 && failures.Count == 0
            && unread?.Clean != false;
        return new Report(text.ToString(), clean);
    }

    /// <summary>p50, p90, p99, p99.9 and max of a latency histogram (µs), as rows named "{name} p50" etc.</summary>
    public static IEnumerable<(string Name, string Value)> LatencyRows(string name, LongHistogram histogram) =>
    [
        .. new[] { 50, 90, 99, 99.9 }.Select(p => ($"{name} p{p.ToString(CultureInfo.InvariantCulture)}", Percentile(histogram, p))),
        ($"{name} max", Percentile(histogram, 100)),
    ];

    /// <summary>
    /// The lowest, median and highest of the rooms' own p99 latencies: tells a lag every room shares (the server or the
    /// load machine as a whole) from one that a few rooms carry (a room's own path: its sender's session, its lock).
    /// </summary>
    private static string RoomSpread(IReadOnlyList<LoadClient> clients)
    {
        var perRoom = clients.GroupBy(c => c.RoomIndex).Select(room =>
        {
            var histogram = LoadMath.NewLatencyHistogram();
            foreach (var client in room) histogram.Add(client.Latency);
            return histogram;
        }).Where(h => h.TotalCount > 0).Select(h => h.GetValueAtPercentile(99)).Order().ToList();
        return perRoom.Count == 0 ? "–" : $"{Ms(perRoom[0])} / {Ms(perRoom[perRoom.Count / 2])} / {Ms(perRoom[^1])} (lowest / median / highest of {perRoom.Count} rooms)";
    }

    /// <summary>A percentile (100 = the maximum) in ms, or "–" for an empty histogram (every session failed before measuring).</summary>
    private static string Percentile(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? "–" : Ms(percentile >= 100 ? histogram.GetMaxValue() : histogram.GetValueAtPercentile(percentile));

    /// <summary>The two-column metric table both reports print.</summary>
    public static void AppendTable(StringBuilder text, IReadOnlyList<(string Name, string Value)> rows)
    {
        var width = rows.Max(r => r.Name.Length);
        text.AppendLine();
        text.AppendLine("| " + "metric".PadRight(width) + " | value");
        text.AppendLine("|-" + new string('-', width) + "-|------");
        foreach (var (name, value) in rows) text.AppendLine("| " + name.PadRight(width) + " | " + value);
    }

    private static LoadTempId? TempIdOfError(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("tempId", out var t) && t.ValueKind == JsonValueKind.String
                && LoadTempId.TryParse(t.GetString(), out var tempId) ? tempId : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Microseconds shown as milliseconds with microsecond precision.</summary>
    public static string Ms(long microseconds) => (microseconds / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}
