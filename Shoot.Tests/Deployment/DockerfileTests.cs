using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Shoot.Tests.Deployment;

/// <summary>No Docker engine here, so the Dockerfile is checked as text against the projects it must build.</summary>
[Trait("Category", "Integration")]
public sealed partial class DockerfileTests
{
    private static readonly string Root = RepositoryPaths.Root();
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile"));

    [Fact]
    public void Builds_on_the_SDK_image_and_runs_on_the_ASP_NET_runtime_image()
    {
        var stages = Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, stages.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 ", stages[0], StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0 ", stages[1], StringComparison.Ordinal);
        Assert.Contains(Lines, l => l.Contains("dotnet publish Shoot.Api/Shoot.Api.csproj", StringComparison.Ordinal));
        Assert.Contains(Lines, l => l.Contains("ENTRYPOINT [\"dotnet\", \"Shoot.Api.dll\"]", StringComparison.Ordinal));
    }

    [Fact]
    public void Copies_every_project_Shoot_Api_builds_from_both_for_restore_and_for_publish()
    {
        var copied = Lines.Select(l => CopyFromContext().Match(l)).Where(m => m.Success).Select(m => m.Groups["source"].Value).ToList();

        foreach (var project in ProjectClosure(Path.Combine(Root, "Shoot.Api", "Shoot.Api.csproj")))
        {
            var relative = Path.GetRelativePath(Root, project).Replace('\\', '/');
            var directory = Path.GetDirectoryName(relative)!.Replace('\\', '/') + "/";
            Assert.True(copied.Contains(relative), $"The Dockerfile does not copy {relative} before `dotnet restore`.");
            Assert.True(copied.Contains(directory), $"The Dockerfile does not copy {directory} before `dotnet publish`.");
        }

        Assert.Contains("Directory.Packages.props", copied.SelectMany(c => c.Split(' ')));
        Assert.Contains("Directory.Build.props", copied.SelectMany(c => c.Split(' ')));
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include)));
            }
        }

        return seen;
    }

    // COPY lines that read from the build context (not --from=another stage); "source" is all but the destination.
    [GeneratedRegex(@"^COPY (?!--from)(?<source>.+) \S+$")]
    private static partial Regex CopyFromContext();
}
