using System.Text.RegularExpressions;
using Shoot.Tests.Deployment;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

/// <summary>
/// The scenarios in http/*.http are documentation people run: scripts/http-check.sh runs every one of them with the
/// pinned httpyac CLI against a real server on a real port (REST, STOMP over WebSocket, SSE), so a change of behaviour
/// that a scenario shows fails here instead of in a reader's editor. Needs `npm ci --prefix tools` (scripts/test.sh
/// runs it).
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class HttpScenarioTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Every_request_of_every_http_file_passes_against_a_live_server()
    {
        var expected = RequestsInHttpFiles();
        var baseUrl = _factory.ServerAddress.ToString().TrimEnd('/');

        // A failure exits non-zero: RunAsync then throws with the script's whole report, one line per request.
        var report = await ServerProcess.RunAsync("bash", [CheckScript(), baseUrl], timeout: TimeSpan.FromMinutes(8));

        // The total is counted here from the files themselves, so a file or request httpyac skipped cannot pass unseen.
        Assert.Equal($"{expected} passed, 0 failed", LastLine(report));
        Assert.Equal(expected, report.Split('\n').Count(line => line.StartsWith("ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Requests_that_cannot_reach_a_server_are_counted_as_failed_and_the_script_exits_non_zero()
    {
        var expected = RequestsInHttpFiles();
        // A loopback port nothing listens on: every request fails to connect.
        var nowhere = $"http://127.0.0.1:{FreePort.Next()}";

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.RunAsync("bash", [CheckScript(), nowhere], timeout: TimeSpan.FromMinutes(5)));

        Assert.Contains($"0 passed, {expected} failed", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_url_that_is_not_an_http_url_is_refused_with_a_message()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.RunAsync("bash", [CheckScript(), "localhost 8080"], timeout: TimeSpan.FromMinutes(1)));

        Assert.Contains("BASE_URL must be an http(s) URL", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_request_checks_the_status_its_title_names()
    {
        var checkedRequests = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root(), "http"), "*.http"))
        {
            // A region runs from one ### line to the next; its ### line is the request's title.
            var lines = File.ReadAllLines(file);
            var starts = lines.Select((line, index) => (line, index)).Where(l => l.line.StartsWith("###", StringComparison.Ordinal)).Select(l => l.index).Append(lines.Length).ToList();
            for (var i = 0; i + 1 < starts.Count; i++)
            {
                var region = lines[starts[i]..starts[i + 1]];
                var request = region.FirstOrDefault(line => RequestLine().IsMatch(line));
                if (request is null)
                    continue;
                var where = $"{Path.GetFileName(file)}:{starts[i] + 1} {region[0]}";
                var checks = region.Where(line => line.StartsWith("??", StringComparison.Ordinal)).ToList();
                Assert.True(checks.Count > 0, $"{where} checks nothing");
                // WebSocket steps have no HTTP status: their checks name the STOMP outcome instead.
                if (request.StartsWith("WS", StringComparison.Ordinal))
                    continue;
                var named = TitleStatus().Match(region[0]);
                Assert.True(named.Success, $"{where} names no status (→ NNN)");
                Assert.True(checks.Contains($"?? status == {named.Groups[1].Value}"), $"{where} has no ?? status == {named.Groups[1].Value} line");
                checkedRequests++;
            }
        }
        Assert.True(checkedRequests > 100, $"only {checkedRequests} requests found: the region scan is broken");
    }

    /// <summary>Request lines (METHOD url) of http/*.http; every file holds some, so a file emptied by mistake shows.</summary>
    private static int RequestsInHttpFiles()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryPaths.Root(), "http"), "*.http");
        Assert.NotEmpty(files);
        var total = 0;
        foreach (var file in files)
        {
            var requests = RequestLine().Count(File.ReadAllText(file));
            Assert.True(requests > 0, $"{file} holds no request");
            total += requests;
        }
        return total;
    }

    private static string CheckScript()
    {
        var root = RepositoryPaths.Root();
        var httpyac = Path.Combine(root, "tools", "node_modules", ".bin", "httpyac");
        Assert.True(File.Exists(httpyac), $"{httpyac} is missing: run `npm ci --prefix tools` (scripts/test.sh does) to install the pinned httpyac.");
        return Path.Combine(root, "scripts", "http-check.sh");
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    [GeneratedRegex(@"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS|SSE)[ \t]+\S", RegexOptions.Multiline)]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"→ (\d{3})")]
    private static partial Regex TitleStatus();
}
