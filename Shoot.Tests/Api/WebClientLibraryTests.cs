using System.Text.Json.Nodes;
using Shoot.Tests.Deployment;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

/// <summary>
/// wwwroot/lib holds exact copies of the pinned npm packages named in js/libs.json (the ASP.NET convention: never
/// edited by hand). Needs `npm ci` in js/ (scripts/test.sh runs it).
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebClientLibraryTests
{
    [Fact]
    public void Every_library_copy_matches_its_pinned_package_file()
    {
        var js = NodeScript.JsFolder;
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(js, "libs.json")))!["libraries"]!.AsArray();
        var dependencies = JsonNode.Parse(File.ReadAllText(Path.Combine(js, "package.json")))!["dependencies"]!;
        var lib = Path.Combine(RepositoryPaths.Root(), "Shoot.Api", "wwwroot", "lib");
        Assert.NotEmpty(manifest);
        foreach (var entry in manifest)
        {
            var package = entry!["package"]!.GetValue<string>();
            var version = entry["version"]!.GetValue<string>();
            // Pinned exactly, so npm ci installs that version and no other.
            Assert.Equal(version, dependencies[package]?.GetValue<string>());
            var installed = Path.Combine(js, "node_modules", package);
            Assert.True(Directory.Exists(installed), $"{package} is not installed: run `npm ci` in js/ (scripts/test.sh does)");
            Assert.Equal(version, JsonNode.Parse(File.ReadAllText(Path.Combine(installed, "package.json")))!["version"]!.GetValue<string>());
            var copy = Path.Combine(lib, entry["target"]!.GetValue<string>());
            Assert.True(File.Exists(copy), $"{copy} is missing: run `node copy-libs.cjs` in js/");
            Assert.True(File.ReadAllBytes(Path.Combine(installed, entry["file"]!.GetValue<string>())).AsSpan().SequenceEqual(File.ReadAllBytes(copy)),
                $"{copy} differs from {package}@{version}: run `node copy-libs.cjs` in js/");
        }
        // Nothing in wwwroot/lib that the manifest does not account for.
        Assert.Equal(manifest.Select(e => e!["target"]!.GetValue<string>()).Order(), Directory.GetFiles(lib).Select(Path.GetFileName).Order()!);
    }
}
