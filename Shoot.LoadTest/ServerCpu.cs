using System.Globalization;

namespace Shoot.LoadTest;

/// <summary>
/// CPU time of server processes on this machine, from <c>/proc/&lt;pid&gt;/stat</c> (utime + stime, all threads).
/// Read at the start and end of the measured window, so signup (bcrypt) and connecting are not charged to the events.
/// </summary>
public static class ServerCpu
{
    /// <summary>Sum of utime + stime, in clock ticks, of the given processes.</summary>
    public static long ReadTicks(IEnumerable<int> pids) =>
        pids.Sum(pid => ParseStatTicks(File.ReadAllText($"/proc/{pid}/stat")));

    /// <summary>
    /// utime + stime of one <c>/proc/&lt;pid&gt;/stat</c> line (fields 14 and 15, see proc(5)). The command name (field 2)
    /// is in parentheses and may itself contain spaces or parentheses, so the fields are counted after the last ')'.
    /// </summary>
    public static long ParseStatTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field k is fields[k - 3].
        return long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>Milliseconds of CPU per 1,000 events; null without events.</summary>
    public static double? MillisecondsPerThousand(double cpuSeconds, long events) =>
        events == 0 ? null : cpuSeconds * 1000 / events * 1000;
}

/// <summary>The servers' CPU seconds between <see cref="StartAtAsync"/>'s moment and <see cref="Stop"/>; null without --server-pid.</summary>
public sealed class CpuWindow(LoadOptions options)
{
    private long? _startTicks;

    public async Task StartAtAsync(long stopwatchTicks, CancellationToken ct)
    {
        if (options.ServerPids.Count == 0) return;
        await DelayUntilAsync(stopwatchTicks, ct);
        _startTicks = ServerCpu.ReadTicks(options.ServerPids);
    }

    public double? Stop() =>
        _startTicks is { } start ? (double)(ServerCpu.ReadTicks(options.ServerPids) - start) / options.ClockTicksPerSecond : null;

    public static async Task DelayUntilAsync(long stopwatchTicks, CancellationToken ct)
    {
        var wait = stopwatchTicks - System.Diagnostics.Stopwatch.GetTimestamp();
        if (wait > 0) await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency), ct);
    }
}

/// <summary>Resident memory of server processes on this machine (<c>VmRSS</c> of <c>/proc/&lt;pid&gt;/status</c>).</summary>
public static class ServerMemory
{
    /// <summary>Sum of the processes' resident kilobytes; null without processes.</summary>
    public static long? ResidentKilobytes(IReadOnlyCollection<int> pids) =>
        pids.Count == 0 ? null : pids.Sum(pid => ParseResidentKilobytes(File.ReadAllText($"/proc/{pid}/status")));

    /// <summary>The <c>VmRSS:   12345 kB</c> line of a status file.</summary>
    public static long ParseResidentKilobytes(string status)
    {
        var line = status.Split('\n').First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
