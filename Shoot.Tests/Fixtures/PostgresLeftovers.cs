using System.Globalization;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// Stops the PostgreSQL servers and deletes the directories (about 500 MB each) that test processes which are gone left
/// in /tmp. The shared server (<see cref="SharedPostgres"/>) is stopped when the test process exits, but a test host
/// that is killed, or ended by the runner before its exit handlers finish, leaves its server running as an orphan and
/// its directory behind; run after run they fill the disk. Run once per test process before the shared server starts.
/// </summary>
internal static class PostgresLeftovers
{
    public const string Prefix = "shoot-pg-";

    // A directory without a running server may be a run still inside initdb; one this old is not.
    private static readonly TimeSpan StartingGrace = TimeSpan.FromMinutes(10);

    /// <returns>The directories removed.</returns>
    public static async Task<IReadOnlyList<string>> ReapAsync(string parent = "/tmp")
    {
        var removed = new List<string>();
        if (!Directory.Exists(parent))
            return removed;
        foreach (var directory in Directory.EnumerateDirectories(parent, Prefix + "*"))
        {
            try
            {
                if (await TryReapAsync(directory))
                    removed.Add(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Someone else's, or gone meanwhile: not ours to insist on.
            }
        }
        return removed;
    }

    private static async Task<bool> TryReapAsync(string directory)
    {
        var server = ServerPid(directory);
        if (server is { } pid && IsRunning(pid))
        {
            // A server is orphaned when its test host (its parent) has died: it then belongs to init (pid 1).
            if (ParentOf(pid) != 1)
                return false;
            // Immediate shutdown: the postmaster stops its backends too (a SIGKILL would leave them running).
            await ServerProcess.RunAsync("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]);
            for (var i = 0; i < 100 && IsRunning(pid); i++)
                await Task.Delay(50);
            if (IsRunning(pid))
                return false;
        }
        else if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(directory) < StartingGrace)
        {
            return false;
        }
        Directory.Delete(directory, recursive: true);
        return true;
    }

    /// <summary>The postmaster's pid: the first line of data/postmaster.pid, written while it runs.</summary>
    private static int? ServerPid(string directory)
    {
        var file = Path.Combine(directory, "data", "postmaster.pid");
        if (!File.Exists(file))
            return null;
        var first = File.ReadLines(file).FirstOrDefault();
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid) => StatField(pid, 0) == "Z";

    private static int? ParentOf(int pid) =>
        int.TryParse(StatField(pid, 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;

    // /proc/<pid>/stat: "pid (comm) state ppid ...", where comm may hold spaces or parentheses; fields after its last ')'.
    private static string? StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > index ? fields[index] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
