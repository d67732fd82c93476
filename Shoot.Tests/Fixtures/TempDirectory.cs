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
        var directory = new TempDirectory(Directory.CreateTempSubdirectory(prefix).FullName);
        if (owner is not null && Environment.IsPrivilegedProcess)
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
