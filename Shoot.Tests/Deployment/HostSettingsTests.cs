using Shoot.Tests.Fixtures;

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
}
