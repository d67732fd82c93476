using Shoot.LoadTest;

namespace Shoot.Tests.LoadTest;

/// <summary>The load tool's reading of /proc/&lt;pid&gt;/stat and its per-1,000-events arithmetic.</summary>
[Trait("Category", "Unit")]
public sealed class ServerCpuTests
{
    [Fact]
    public void Stat_ticks_are_utime_plus_stime_counted_after_the_command_name()
    {
        // Field 2 may contain spaces and parentheses; utime (14) = 250, stime (15) = 40.
        const string stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 40 0 0 20 0 30 0 123 456 789";

        Assert.Equal(290, ServerCpu.ParseStatTicks(stat));
    }

    [Fact]
    public void Cpu_is_reported_in_milliseconds_per_thousand_events()
    {
        Assert.Equal(1500, ServerCpu.MillisecondsPerThousand(3.0, 2000));
        Assert.Null(ServerCpu.MillisecondsPerThousand(3.0, 0));
    }

    [Fact]
    public void Resident_memory_is_read_from_the_vmrss_line()
    {
        const string status = "Name:\tdotnet\nVmPeak:\t  900000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t  100000 kB\n";
        Assert.Equal(123456, ServerMemory.ParseResidentKilobytes(status));
        Assert.True(ServerMemory.ResidentKilobytes([Environment.ProcessId]) > 0);
        Assert.Null(ServerMemory.ResidentKilobytes([]));
    }

    [Fact]
    public void This_process_has_readable_cpu_ticks() =>
        Assert.True(ServerCpu.ReadTicks([Environment.ProcessId]) >= 0);
}
