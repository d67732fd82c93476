namespace Shoot.Tests.Fixtures;

/// <summary>A directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    /// <summary>
    /// Creates the directory; with <paramref name="owner"/> and when we are root, hands it to that OS user,
    /// for servers that run as another user and must write there.
    /// </summary>
    public static async Task<TempDirectory> CreateAsync(string prefix, string? owner = null)
    {
        var handOver = owner is not null && Environment.IsPrivilegedProcess;
        // The other user must also get through every parent directory; root's TMPDIR may be private, /tmp is not.
        var parent = handOver ? "/tmp" : System.IO.Path.GetTempPath();
        var directory = new TempDirectory(System.IO.Path.Combine(parent, prefix + System.IO.Path.GetRandomFileName().Replace(".", "")));
        Directory.CreateDirectory(directory.Path);
        if (handOver)
        {
            await ServerProcess.RunAsync("chown", [$"{owner}:", directory.Path]);
        }

        return directory;
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
