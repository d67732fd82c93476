using System.Diagnostics;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// The clean-up of what dead test runs left in /tmp, on a directory of its own: real processes stand in for the
/// servers (a postmaster.pid names the pid to stop), since what is judged is the process's parent and liveness.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresLeftoversTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("shoot-leftovers-").FullName;

    [Fact]
    public async Task An_orphaned_server_is_stopped_and_its_directory_removed()
    {
        var directory = FakeRunDirectory("orphan");
        // Forked by a parent that exits at once, so it is reparented to init: what a dead test host leaves. A real
        // postmaster handles SIGQUIT itself; the stand-in gets the default action back, since a test run started as a
        // shell's background job inherits SIGQUIT ignored.
        var printed = await ServerProcess.RunAsync("python3", ["-c",
            "import os, signal\npid = os.fork()\nif pid == 0:\n    signal.signal(signal.SIGQUIT, signal.SIG_DFL)\n"
            + "    null = os.open(os.devnull, os.O_RDWR)\n    for fd in (0, 1, 2):\n        os.dup2(null, fd)\n"
            + "    os.execvp('sleep', ['sleep', '600'])\nprint(pid)"]);
        var orphan = int.Parse(printed.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await WritePostmasterPidAsync(directory, orphan);

        var removed = await PostgresLeftovers.ReapAsync(_parent);

        Assert.Equal([directory], removed);
        Assert.False(Directory.Exists(directory));
        Assert.False(Directory.Exists($"/proc/{orphan}") && !File.ReadAllText($"/proc/{orphan}/stat").Contains(") Z ", StringComparison.Ordinal),
            "the orphaned server is still running");
    }

    [Fact]
    public async Task A_server_whose_test_host_is_alive_is_left_alone()
    {
        var directory = FakeRunDirectory("alive");
        using var child = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            await WritePostmasterPidAsync(directory, child.Id);
            Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow.AddHours(-2));

            var removed = await PostgresLeftovers.ReapAsync(_parent);

            Assert.Empty(removed);
            Assert.True(Directory.Exists(directory));
            Assert.False(child.HasExited);
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task A_directory_without_a_server_is_removed_once_it_is_older_than_a_start_can_take()
    {
        var old = FakeRunDirectory("old");
        Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        var starting = FakeRunDirectory("starting");

        var removed = await PostgresLeftovers.ReapAsync(_parent);

        Assert.Equal([old], removed);
        Assert.True(Directory.Exists(starting), "a run still in initdb lost its directory");
    }

    private string FakeRunDirectory(string name)
    {
        var directory = Path.Combine(_parent, PostgresLeftovers.Prefix + name);
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        return directory;
    }

    private static async Task WritePostmasterPidAsync(string directory, int pid)
    {
        await File.WriteAllTextAsync(Path.Combine(directory, "data", "postmaster.pid"), $"{pid}\n/tmp/data\n");
        // The files written above touch the directory; tests that need it old set its time after this.
    }

    public void Dispose() => Directory.Delete(_parent, recursive: true);
}
