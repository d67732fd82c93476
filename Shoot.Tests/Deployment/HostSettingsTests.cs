using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Deployment;

/// <summary>
/// The built Shoot.Api, run as its own process the way the container runs it (working directory = the app's
/// folder, so its appsettings.json applies): the host settings docker-compose.yml relies on must take effect.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostSettingsTests
{
    [Fact]
    public async Task Shoot_listens_where_ASPNETCORE_URLS_says()
    {
        using var dataDirectory = await TempDirectory.CreateAsync("shoot-host-");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var appDirectory = AppContext.BaseDirectory;
        var port = 0;

        await using var shoot = await FreePort.StartOnFreePortAsync(async freePort =>
        {
            port = freePort;
            return await ServerProcess.StartReadyAsync(
                "dotnet",
                [Path.Combine(appDirectory, "Shoot.Api.dll")],
                async () => (await http.GetAsync($"http://127.0.0.1:{freePort}/health/live")).IsSuccessStatusCode,
                // When it listens elsewhere, this fails with the app's output, which says where it listens.
                TimeSpan.FromSeconds(30),
                configure: start =>
                {
                    start.WorkingDirectory = appDirectory;
                    start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{freePort}";
                    start.Environment["Shoot__DataDirectory"] = dataDirectory.Path;
                });
        });

        Assert.Contains($"http://127.0.0.1:{port}", shoot.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Started_from_another_folder_it_reads_its_own_settings_names_its_pages_and_logs_no_token()
    {
        using var dataDirectory = await TempDirectory.CreateAsync("shoot-host-");
        using var elsewhere = await TempDirectory.CreateAsync("shoot-cwd-");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        const string Token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2lnbmF0dXJl";
        var port = 0;

        await using var shoot = await FreePort.StartOnFreePortAsync(async freePort =>
        {
            port = freePort;
            return await ServerProcess.StartReadyAsync(
                "dotnet",
                [Path.Combine(AppContext.BaseDirectory, "Shoot.Api.dll")],
                async () => (await http.GetAsync($"http://127.0.0.1:{freePort}/health/live")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30),
                configure: start =>
                {
                    start.WorkingDirectory = elsewhere.Path;
                    start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{freePort}";
                    start.Environment["Shoot__DataDirectory"] = dataDirectory.Path;
                    // Request logs on (they print the query string), as an operator debugging a proxy would set them.
                    start.Environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
                });
        });
        await http.GetAsync($"http://127.0.0.1:{port}/api/v1/sse/unread/1?token={Token}");
        await http.GetAsync($"http://127.0.0.1:{port}/health/live");
        await Eventually.HoldsAsync(() => Task.FromResult(shoot.Output.Contains("/health/live", StringComparison.Ordinal)));
        var output = shoot.Output;

        Assert.Contains($"page http://127.0.0.1:{port}/, API reference http://127.0.0.1:{port}/docs, scheduled jobs http://127.0.0.1:{port}/hangfire",
            output, StringComparison.Ordinal);
        Assert.Contains("token=[REDACTED]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LXRva2VuLXZhbHVl", output, StringComparison.Ordinal);
        // appsettings.json (beside the DLL, not in the working directory) holds Microsoft.AspNetCore at Warning, which
        // keeps routing's per-request Information lines out; without it they would be logged.
        Assert.DoesNotContain("Executing endpoint", output, StringComparison.Ordinal);
    }
}
