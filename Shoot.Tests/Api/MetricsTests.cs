using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shoot.Tests.Deployment;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

/// <summary>
/// /metrics exports the meter "Shoot" with what the chat did: a real send over STOMP, a refusal and an SSE stream must
/// show up as series, and every Shoot series the Grafana dashboard queries must be one the server really exports.
/// Runs alone: a host's exporter listens to every meter named "Shoot" in the process, other test hosts' included, so
/// their sessions closing meanwhile counted here (shoot_stomp_sessions was -1 with this test's session open).
/// </summary>
[Trait("Category", "Integration")]
[Collection(MetricsAlone.Name)]
public sealed partial class MetricsTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_send_a_refusal_and_a_stream_are_counted_on_the_Shoot_meter()
    {
        var api = _factory.CreateShootClient();
        var alice = await api.CreateUserAsync("met");
        var bob = await api.CreateUserAsync("met");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        await using var chat = await ChatClient.ConnectAsync(_factory.StompUri, alice.AccessToken);
        await chat.SubscribeAsync($"/topic/messages/{roomId}");
        await chat.SubscribeAsync($"/topic/message/status/{roomId}");
        await chat.SubscribeAsync("/user/queue/errors");
        using var stream = await OpenSseAsync($"/api/v1/sse/unread/{alice.Id}?token={alice.AccessToken}");

        await chat.SendSavedAsync(roomId, "m-1", "counted");
        await chat.SendChatAsync(roomId + 1000, "m-2", "not my room");
        await chat.WaitForAsync("/user/queue/errors", 1);

        var scraper = _factory.CreateShootClient().Http;
        var metrics = "";
        // SAVED reaches the client as the status is published; it is counted right after, so give it a moment.
        await Eventually.HoldsAsync(async () =>
        {
            metrics = await scraper.GetStringAsync("/metrics");
            return Value(metrics, "shoot_messages_accept_to_saved_seconds_count") >= 1;
        });
        Assert.True(Value(metrics, "shoot_messages_accepted_total") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_messages_refused_total", "destination=\"/app/chat\"", "reason=\"NOT_FOUND\"") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_messages_status_changes_total", "status=\"SAVED\"") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_messages_accept_to_saved_seconds_count") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_stomp_sessions", "transport=\"websocket\"") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_stomp_frames_received_total", "command=\"Send\"") >= 2, metrics);
        Assert.True(Value(metrics, "shoot_stomp_frames_sent_total") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_stomp_deliveries_total") >= 1, metrics);
        Assert.True(Value(metrics, "shoot_sse_streams") >= 1, metrics);

        // Every Shoot series the dashboard draws exists (the pipeline's own series are checked with the pipeline).
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(
            Path.Combine(RepositoryPaths.Root(), "deploy", "grafana", "dashboards", "shoot.json")))!;
        var queried = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray())
            .SelectMany(t => SeriesName().Matches(t!["expr"]!.GetValue<string>()).Select(m => m.Value))
            .Where(name => name.StartsWith("shoot_", StringComparison.Ordinal) && !name.StartsWith("shoot_pipeline_", StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.NotEmpty(queried);
        var exported = SeriesName().Matches(metrics).Select(m => m.Value).ToHashSet();
        // A counter is exported once it has counted something: these two need a link preview or a due schedule, which
        // this test does not make, so only their names are taken on trust here.
        var unknown = queried.Where(q => !exported.Contains(q)
            && !(q is "shoot_url_preview_lookups_total" or "shoot_scheduled_messages_fired_total")).ToList();
        Assert.True(unknown.Count == 0, $"The dashboard queries series the server does not export: {string.Join(", ", unknown)}");
    }

    private async Task<HttpResponseMessage> OpenSseAsync(string path)
    {
        var http = new HttpClient { BaseAddress = _factory.ServerAddress };
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The stream counts as open once the server has written its first comment.
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": connected", await reader.ReadLineAsync());
        return response;
    }

    /// <summary>The sum of a series' samples whose labels include every one given (0 when there is none).</summary>
    private static double Value(string exposition, string series, params string[] labels) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(series + "{", StringComparison.Ordinal) || line.StartsWith(series + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\b[a-z_]+_[a-z_]+\b(?=[{ \[)])")]
    private static partial Regex SeriesName();
}

/// <summary>A collection xunit runs after all the others, with nothing beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsAlone
{
    public const string Name = "Metrics, alone";
}
