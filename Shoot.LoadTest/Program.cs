using System.Diagnostics;

namespace Shoot.LoadTest;

// A named class rather than top-level statements: Shoot.Tests references both this tool and Shoot.Api, whose
// top-level Program would otherwise clash with ours.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--kafka-mock")) return await KafkaMockMode.RunAsync();
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }

        // Bounded: setup (bcrypt signups on a busy machine can take minutes) gets ten, the run its configured time plus
        // slack; then everything is cancelled.
        var total = TimeSpan.FromSeconds(600 + options.WarmupSeconds + options.DurationSeconds + options.DrainSeconds + 30);
        using var cts = new CancellationTokenSource(total);
        var ct = cts.Token;
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

        var shape = options.HasFanoutShape
            ? $"{options.Rooms} rooms × ({options.Subscribers} subscribers + {options.Publishers} publishers), {options.Rate}/s per publisher "
            : $"{options.Clients} clients, {options.Rooms} rooms, {options.Rate}/s per client ";
        Console.WriteLine($"Shoot load ({options.Scenario.ToString().ToLowerInvariant()}): " + shape +
                          $"({options.Senders * options.Rate}/s offered), warm-up {options.WarmupSeconds}s, measured {options.DurationSeconds}s, " +
                          $"payload {options.PayloadBytes} B, URLs: {string.Join(", ", options.Urls)}");

        using var rest = new RestSetup(options);
        using var sseHttp = SseUnreadClient.CreateHttpClient();
        var setup = Stopwatch.StartNew();
        var users = await rest.SignUpAllAsync(ct);
        var fanout = options.HasFanoutShape;
        var roomIds = fanout ? await rest.CreateFanoutRoomsAsync(users, ct) : await rest.CreateRoomsAsync(users, ct);
        Console.WriteLine($"Signed up {users.Length} users and created {roomIds.Length} rooms in {setup.Elapsed.TotalSeconds:0.0}s.");

        var clients = fanout ? FanoutClients(users, roomIds, options) : users.Select(u =>
        {
            var room = LoadMath.RoomOf(u.Index, options.Rooms);
            return new LoadClient(u, room, roomIds[room], options.Scenario);
        }).ToArray();
        try
        {
            var residentBefore = ServerMemory.ResidentKilobytes(options.ServerPids);
            setup.Restart();
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (client, token) => await client.ConnectAsync(token));
            Console.WriteLine($"Connected and subscribed {clients.Length} STOMP sessions in {setup.Elapsed.TotalSeconds:0.0}s.");
            if (options.Sse)
            {
                setup.Restart();
                await OpenUnreadStreamsAsync(clients, rest, sseHttp, ct);
                Console.WriteLine($"Opened {clients.Length} unread SSE streams in {setup.Elapsed.TotalSeconds:0.0}s.");
            }

            var report = options.Scenario switch
            {
                Scenario.Idle => await RunIdleAsync(clients.Length, residentBefore, options, ct),
                Scenario.Reads => await RunReadsAsync(clients, options, ct),
                Scenario.Typing => await RunTypingAsync(clients, options, ct),
                // Fan-out is the messages run with receive-only members: same schedule, accounting and report.
                _ => await RunMessagesAsync(clients, options, ct),
            };
            Console.WriteLine(report.Text);
            return report.Clean ? 0 : 1;
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// One session per (room, shared subscriber), receive-only (no status subscription, no sends), then each room's
    /// publishers, which send and also receive their room (their own copy counts as a delivery, as in the messages run).
    /// </summary>
    private static LoadClient[] FanoutClients(LoadUser[] users, long[] roomIds, LoadOptions options) =>
    [
        .. Enumerable.Range(0, options.Rooms).SelectMany(r =>
            users.Take(options.Subscribers).Select(u => new LoadClient(u, r, roomIds[r], receiveOnly: true, watchStatuses: options.WatchStatuses))),
        .. users.Skip(options.Subscribers).Select(u =>
        {
            var room = (u.Index - options.Subscribers) / options.Publishers;
            return new LoadClient(u, room, roomIds[room]);
        }),
    ];

    /// <summary>
    /// Nobody sends: after --warmup the servers' resident memory is read again and their CPU is charged over --duration.
    /// Memory per session is the growth since before connecting, so it includes each session's share of GC heap growth.
    /// </summary>
    private static async Task<Report> RunIdleAsync(int sessions, long? residentBefore, LoadOptions options, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), ct);
        var residentAfter = ServerMemory.ResidentKilobytes(options.ServerPids);
        var cpu = new CpuWindow(options);
        await cpu.StartAtAsync(System.Diagnostics.Stopwatch.GetTimestamp(), ct);
        await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), ct);
        var cpuSeconds = cpu.Stop();
        // Read again at the end: what the GC keeps above the live heap moves by tens of MB within a minute, so one
        // reading alone says as much about when the last collection ran as about the sessions.
        var residentAtEnd = ServerMemory.ResidentKilobytes(options.ServerPids);
        var lines = new List<string> { "| metric | value", "|---|---", $"| idle sessions | {sessions}" };
        if (residentBefore is { } before && residentAfter is { } after)
        {
            lines.Add($"| server resident memory | {before / 1024.0:0.0} MB before connecting, {after / 1024.0:0.0} MB after (+{options.WarmupSeconds:0} s)");
            lines.Add($"|   per session | {(double)(after - before) / sessions:0.0} KB");
            if (residentAtEnd is { } end)
            {
                var at = options.WarmupSeconds + options.DurationSeconds;
                lines.Add($"| server resident memory at the end | {end / 1024.0:0.0} MB (+{at:0} s), {(double)(end - before) / sessions:0.0} KB per session");
            }
        }
        if (cpuSeconds is { } seconds)
        {
            lines.Add($"| server CPU while idle | {seconds:0.00} s over {options.DurationSeconds:0} s ({100 * seconds / options.DurationSeconds:0.0}% of one core)");
            lines.Add($"|   per session | {seconds / options.DurationSeconds / sessions * 1e6:0.00} µs per second");
        }
        return new Report(string.Join(Environment.NewLine, lines), Clean: true);
    }

    /// <summary>After the last read or typing frame, how long updates it caused are still counted (covers the 200 ms read window).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static async Task<Report> RunMessagesAsync(LoadClient[] clients, LoadOptions options, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + Ticks(options.WarmupSeconds);
        var end = measureFrom + Ticks(options.DurationSeconds);
        foreach (var client in clients)
        {
            client.MeasureFromTicks = measureFrom;
            // Only the unread events' rate uses the window's end; deliveries and latencies count until the drain ends.
            client.MeasureUntilTicks = end;
        }

        var cpu = new CpuWindow(options);
        var cpuStart = cpu.StartAtAsync(measureFrom, ct);
        var allocations = new ServerAllocations(options);
        var allocationsStart = allocations.StartAtAsync(measureFrom, ct);
        var senders = clients.Where(c => !c.ReceiveOnly).ToArray();
        await Task.WhenAll(senders.Select((c, i) => c.SendLoopAsync(options, LoadMath.Phase(i, senders.Length), start, end, ct)));
        await cpuStart;
        await allocationsStart;
        var allocatedBytes = await allocations.StopAsync();
        Console.WriteLine($"Sending done; draining for up to {options.DrainSeconds}s.");
        await Report.DrainAsync(clients, TimeSpan.FromSeconds(options.DrainSeconds), ct);
        // Charged until the drain ends: a server that fell behind spends the rest of the measured sends' CPU then.
        var cpuSeconds = cpu.Stop();
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
        return Report.Build(clients, options, options.DurationSeconds, cpuSeconds, allocatedBytes);
    }

    /// <summary>
    /// Opens every client's unread stream on its STOMP session's instance and reads the counts they start from; before
    /// the warm-up, so no message is sent while a stream is not yet listening.
    /// </summary>
    private static Task OpenUnreadStreamsAsync(LoadClient[] clients, RestSetup rest, HttpClient http, CancellationToken ct) =>
        Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (client, token) =>
            {
                // Attached before opening, so the client stops and disposes it even when opening fails.
                var stream = client.UnreadStream = new SseUnreadClient(http, client.User, client.RoomId);
                await stream.OpenAsync(token);
                stream.AtStart = await rest.UnreadAtStartAsync(client.User, client.RoomId, token);
            });

    /// <summary>Seeds messages during the warm-up, waits until they are stored (a read must name a stored message), then reads.</summary>
    private static async Task<Report> RunReadsAsync(LoadClient[] clients, LoadOptions options, CancellationToken ct)
    {
        var seedStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(clients.Select(c => c.SendLoopAsync(options, LoadMath.Phase(c.User.Index, clients.Length), seedStart, seedStart + Ticks(options.WarmupSeconds), ct)));
        await Report.DrainAsync(clients, TimeSpan.FromSeconds(options.DrainSeconds), ct);
        Console.WriteLine($"Seeded {clients.Sum(c => c.Sends.Count)} messages, {clients.Sum(c => c.Saved.Count)} SAVED; reading.");

        var start = Stopwatch.GetTimestamp();
        var end = start + Ticks(options.DurationSeconds);
        return await MeasureAsync(clients, options, start, end,
            c => c.ReadLoopAsync(options.Rate, LoadMath.Phase(c.User.Index, clients.Length), start, end, ct), ct);
    }

    private static async Task<Report> RunTypingAsync(LoadClient[] clients, LoadOptions options, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + Ticks(options.WarmupSeconds);
        var end = measureFrom + Ticks(options.DurationSeconds);
        return await MeasureAsync(clients, options, measureFrom, end,
            c => c.TypingLoopAsync(options.Rate, LoadMath.Phase(c.User.Index, clients.Length), start, end, ct), ct);
    }

    /// <summary>Runs the clients' loops, counting what arrives from <paramref name="measureFrom"/> to the end plus <see cref="Settle"/>.</summary>
    private static async Task<Report> MeasureAsync(LoadClient[] clients, LoadOptions options, long measureFrom, long end,
        Func<LoadClient, Task> loop, CancellationToken ct)
    {
        var until = end + Ticks(Settle.TotalSeconds);
        foreach (var client in clients)
        {
            client.MeasureFromTicks = measureFrom;
            client.MeasureUntilTicks = until;
        }
        var cpu = new CpuWindow(options);
        var cpuStart = cpu.StartAtAsync(measureFrom, ct);
        await Task.WhenAll(clients.Select(loop));
        await cpuStart;
        await CpuWindow.DelayUntilAsync(until, ct);
        var cpuSeconds = cpu.Stop();
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
        return ScenarioReport.Build(clients, options, options.DurationSeconds, cpuSeconds);
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);
}
