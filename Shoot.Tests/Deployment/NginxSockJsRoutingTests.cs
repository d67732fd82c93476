using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Deployment;

/// <summary>
/// deploy/nginx.conf, run by a real nginx in front of two small backends standing in for shoot-1 and shoot-2: every
/// request of one SockJS session (its transport and xhr_send URLs, whatever the server segment) reaches the same
/// backend, since the session lives in that instance's memory; everything else is spread over both.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NginxSockJsRoutingTests
{
    private const string Nginx = "/usr/sbin/nginx";

    private static async Task<(WebApplication App, int Port)> BackendAsync(string name)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Map("/{**path}", () => name);
        await app.StartAsync();
        return (app, port);
    }

    [Fact]
    public async Task Each_sockjs_session_sticks_to_one_instance_and_other_requests_are_balanced()
    {
        Assert.True(File.Exists(Nginx), "nginx is required: apt-get install nginx-light (scripts/test.sh does)");
        var (one, portOne) = await BackendAsync("shoot-1");
        var (two, portTwo) = await BackendAsync("shoot-2");
        await using var _ = one;
        await using var __ = two;
        var directory = Directory.CreateTempSubdirectory("shoot-nginx-").FullName;
        var listen = FreePort.Next();
        var config = File.ReadAllText(Path.Combine(RepositoryPaths.Root(), "deploy", "nginx.conf"))
            .Replace("shoot-1:8080", $"127.0.0.1:{portOne}")
            .Replace("shoot-2:8080", $"127.0.0.1:{portTwo}")
            .Replace("listen 8080;", $"listen 127.0.0.1:{listen};")
            .Replace("worker_processes auto;", $"worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;")
            .Replace("http {", $"http {{\n    access_log off;\n    client_body_temp_path {directory}/body;\n    proxy_temp_path {directory}/proxy;");
        var configFile = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(configFile, config);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listen}") };
        await using var nginx = await ServerProcess.StartReadyAsync(Nginx, ["-p", directory, "-c", configFile, "-g", "daemon off;"],
            async () =>
            {
                try { return (await http.GetAsync("/nginx-health")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, TimeSpan.FromSeconds(20));

        var seen = new HashSet<string>();
        for (var i = 0; i < 16; i++)
        {
            var session = Guid.NewGuid().ToString("N");
            var answers = new HashSet<string>();
            foreach (var (method, transport) in new[] { (HttpMethod.Post, "xhr_streaming"), (HttpMethod.Post, "xhr_send"), (HttpMethod.Post, "xhr"), (HttpMethod.Get, "eventsource") })
            {
                // sockjs-client picks a new random server segment per connection attempt; only the session id matters.
                using var response = await http.SendAsync(new HttpRequestMessage(method, $"/ws/chat/{Random.Shared.Next(1000):000}/{session}/{transport}"));
                answers.Add(await response.Content.ReadAsStringAsync());
            }
            Assert.Single(answers);
            seen.UnionWith(answers);
        }
        Assert.Equal(["shoot-1", "shoot-2"], seen.Order());

        var balanced = new HashSet<string>();
        for (var i = 0; i < 4; i++) balanced.Add(await http.GetStringAsync("/api/v1/anything"));
        Assert.Equal(["shoot-1", "shoot-2"], balanced.Order());
    }
}
