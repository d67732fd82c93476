using System.Text.RegularExpressions;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Deployment;

/// <summary>
/// There is no Docker engine here, so the Dockerfile's build stage is replayed by hand: from the files git tracks (what a
/// clean clone has), only what its COPY lines copy lands in a folder standing for the image's file system, and its
/// <c>dotnet</c> RUN steps run there. A file the build needs but the Dockerfile forgets fails this test, as it would
/// fail <c>docker compose up --build</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DockerBuildStageTests
{
    private static readonly string Root = RepositoryPaths.Root();

    [Fact]
    public async Task The_build_stage_publishes_Shoot_Api_from_exactly_the_files_it_copies()
    {
        var stage = BuildStage(File.ReadAllLines(Path.Combine(Root, "Dockerfile")));
        using var context = await TempDirectory.CreateAsync("shoot-docker-context-");
        using var image = await TempDirectory.CreateAsync("shoot-docker-image-");
        await ExportTrackedFilesAsync(context.Path);

        var workDirectory = image.Path;
        var ranDotnet = 0;
        foreach (var (instruction, arguments) in stage)
        {
            switch (instruction)
            {
                case "WORKDIR":
                    workDirectory = InImage(image.Path, workDirectory, arguments);
                    Directory.CreateDirectory(workDirectory);
                    break;
                case "COPY":
                    Copy(context.Path, workDirectory, image.Path, arguments);
                    break;
                case "RUN":
                    var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    Assert.True(words[0] == "dotnet", $"The build stage runs `{arguments}`; this test can only replay dotnet steps.");
                    // Absolute paths (--output /app) are paths in the image.
                    var mapped = words.Skip(1).Select(w => w.StartsWith('/') ? InImage(image.Path, workDirectory, w) : w).ToList();
                    await ServerProcess.RunAsync("bash", ["-c", $"cd '{workDirectory}' && dotnet {string.Join(' ', mapped)} -nodeReuse:false"],
                        timeout: TimeSpan.FromMinutes(8));
                    ranDotnet++;
                    break;
                default:
                    Assert.Fail($"The build stage has a {instruction} step this test does not know how to replay.");
                    break;
            }
        }

        Assert.Equal(2, ranDotnet);
        // What the runtime stage copies (COPY --from=build /app ./) and starts (ENTRYPOINT dotnet Shoot.Api.dll).
        Assert.True(File.Exists(Path.Combine(image.Path, "app", "Shoot.Api.dll")), "publish left no /app/Shoot.Api.dll");
        Assert.True(File.Exists(Path.Combine(image.Path, "app", "appsettings.json")), "publish left no /app/appsettings.json");
    }

    [Fact]
    public void The_stage_parser_reads_continued_lines_and_stops_at_the_next_stage()
    {
        var stage = BuildStage([
            "FROM sdk AS build", "WORKDIR /src", "# a comment", "COPY a b ./", "RUN dotnet restore \\", "    x.csproj",
            "FROM runtime", "RUN apt-get update",
        ]);

        Assert.Equal([("WORKDIR", "/src"), ("COPY", "a b ./"), ("RUN", "dotnet restore x.csproj")], stage);
    }

    /// <summary>The instructions of the first stage, continuation lines joined and comments dropped.</summary>
    private static List<(string Instruction, string Arguments)> BuildStage(IEnumerable<string> dockerfile)
    {
        var steps = new List<(string, string)>();
        var stages = 0;
        var pending = "";
        foreach (var raw in dockerfile)
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
                continue;
            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            var space = line.IndexOf(' ');
            var instruction = line[..space].ToUpperInvariant();
            if (instruction == "FROM" && ++stages > 1)
                break;
            if (instruction != "FROM")
                steps.Add((instruction, line[(space + 1)..].Trim()));
        }

        return steps;
    }

    /// <summary>COPY sources… destination: files copy as files, folders copy their content (Docker's rules for both).</summary>
    private static void Copy(string context, string workDirectory, string image, string arguments)
    {
        Assert.DoesNotMatch(FromAnotherStage(), arguments);
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var destination = InImage(image, workDirectory, parts[^1]);
        foreach (var source in parts[..^1])
        {
            var from = Path.Combine(context, source);
            if (Directory.Exists(from))
            {
                CopyDirectory(from, destination);
            }
            else
            {
                Assert.True(File.Exists(from), $"COPY {source}: no such file in the repository");
                Directory.CreateDirectory(destination);
                File.Copy(from, Path.Combine(destination, Path.GetFileName(source)), overwrite: true);
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static string InImage(string image, string workDirectory, string path) =>
        path.StartsWith('/') ? Path.Combine(image, path.TrimStart('/')) : Path.GetFullPath(Path.Combine(workDirectory, path));

    /// <summary>The files a clean clone has (as in the working tree), and nothing a local build left beside them.</summary>
    private static async Task ExportTrackedFilesAsync(string destination)
    {
        var tracked = await ServerProcess.RunAsync("git", ["-C", Root, "ls-files", "--cached", "--others", "--exclude-standard"]);
        foreach (var file in tracked.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(Root, file);
            if (!File.Exists(source))
                continue; // deleted in the working tree, not yet committed
            var target = Path.Combine(destination, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
    }

    [GeneratedRegex("^--from")]
    private static partial Regex FromAnotherStage();
}
