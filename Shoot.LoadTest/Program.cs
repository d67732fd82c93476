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

        // Bounded: setup gets two minutes, the run its configured time plus slack; then everything is cancelled.
        var total = TimeSpan.FromSeconds(120 + options.WarmupSeconds + options.DurationSeconds + options.DrainSeconds + 30);
        using var cts = new CancellationTokenSource(total);
        var ct = cts.Token;
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

        Console.WriteLine($"Shoot load: {options.Clients} clients, {options.Rooms} rooms, {options.Rate} msg/s per client " +
                          $"({options.Clients * options.Rate} msg/s offered), warm-up {options.WarmupSeconds}s, measured {options.DurationSeconds}s, " +
                          $"payload {options.PayloadBytes} B, URLs: {string.Join(", ", options.Urls)}");

        using var rest = new RestSetup(options);
        var setup = Stopwatch.StartNew();
        var users = await rest.SignUpAllAsync(ct);
        var roomIds = await rest.CreateRoomsAsync(users, ct);
        Console.WriteLine($"Signed up {users.Length} users and created {roomIds.Length} rooms in {setup.Elapsed.TotalSeconds:0.0}s.");

        var clients = users.Select(u => new LoadClient(u, LoadMath.RoomOf(u.Index, options.Rooms), roomIds[LoadMath.RoomOf(u.Index, options.Rooms)])).ToArray();
        try
        {
            setup.Restart();
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (client, token) => await client.ConnectAsync(token));
            Console.WriteLine($"Connected and subscribed {clients.Length} STOMP sessions in {setup.Elapsed.TotalSeconds:0.0}s.");

            var start = Stopwatch.GetTimestamp();
            var measureFrom = start + (long)(options.WarmupSeconds * Stopwatch.Frequency);
            var end = measureFrom + (long)(options.DurationSeconds * Stopwatch.Frequency);
            foreach (var client in clients) client.MeasureFromTicks = measureFrom;

            await Task.WhenAll(clients.Select(c => c.SendLoopAsync(options, LoadMath.Phase(c.User.Index, clients.Length), start, end, ct)));
            Console.WriteLine($"Sending done; draining for up to {options.DrainSeconds}s.");
            await Report.DrainAsync(clients, TimeSpan.FromSeconds(options.DrainSeconds), ct);
            await Task.WhenAll(clients.Select(c => c.StopAsync()));

            var report = Report.Build(clients, options, options.DurationSeconds);
            Console.WriteLine(report.Text);
            return report.Clean ? 0 : 1;
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
