using System.Diagnostics;
using System.Globalization;

namespace Shoot.LoadTest;

/// <summary>
/// Bytes the servers allocated over the measured window, read with <c>dotnet-counters collect</c> (the runtime's
/// <c>dotnet.gc.heap.total_allocated</c> counter, one CSV row of bytes per second per interval) when
/// <c>--dotnet-counters PATH</c> names the tool; null otherwise.
/// </summary>
public sealed class ServerAllocations(LoadOptions options)
{
    private readonly List<(Process Process, string Csv)> _collectors = [];

    /// <summary>Starts one collector per server at the window's start; each stops by itself after the window.</summary>
    public async Task StartAtAsync(long stopwatchTicks, CancellationToken ct)
    {
        if (options.DotnetCounters is null || options.ServerPids.Count == 0) return;
        await CpuWindow.DelayUntilAsync(stopwatchTicks, ct);
        var seconds = (int)Math.Ceiling(options.DurationSeconds);
        foreach (var pid in options.ServerPids)
        {
            var csv = Path.Combine(Path.GetTempPath(), $"shoot-load-alloc-{pid}-{Guid.NewGuid():N}.csv");
            var start = new ProcessStartInfo(options.DotnetCounters)
            {
                ArgumentList =
                {
                    "collect", "-p", pid.ToString(CultureInfo.InvariantCulture),
                    "--counters", "System.Runtime[dotnet.gc.heap.total_allocated]",
                    "--refresh-interval", "1", "--format", "csv", "-o", csv,
                    "--duration", TimeSpan.FromSeconds(seconds).ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture),
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet-counters did not start.");
            // Drained so a chatty collector never blocks on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _collectors.Add((process, csv));
        }
    }

    /// <summary>Waits (bounded) for the collectors and returns the bytes allocated by all servers in the window.</summary>
    public async Task<double?> StopAsync()
    {
        if (_collectors.Count == 0) return null;
        double total = 0;
        foreach (var (process, csv) in _collectors)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                return null;
            }
            finally
            {
                process.Dispose();
            }
            if (!File.Exists(csv)) return null;
            total += SumAllocatedBytes(await File.ReadAllLinesAsync(csv));
            File.Delete(csv);
        }
        return total;
    }

    /// <summary>
    /// The sum of the allocation rows of a dotnet-counters CSV (Timestamp,Provider,Counter Name,Counter Type,Value):
    /// each row is the bytes allocated during one 1-second interval.
    /// </summary>
    public static double SumAllocatedBytes(IEnumerable<string> csvLines) =>
        csvLines
            .Select(line => line.Split(','))
            .Where(f => f.Length == 5 && f[2].StartsWith("dotnet.gc.heap.total_allocated", StringComparison.Ordinal))
            .Sum(f => double.Parse(f[4], CultureInfo.InvariantCulture));
}
