namespace Shoot.Tests.Deployment;

internal static class RepositoryPaths
{
    /// <summary>The checkout the tests were built from: the first folder above the test binaries that holds Shoot.sln.</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Shoot.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Shoot.sln above {AppContext.BaseDirectory}.");
    }
}
