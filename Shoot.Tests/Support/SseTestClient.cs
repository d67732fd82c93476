using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Shoot.Tests.Support;

/// <summary>A real HTTP client reading a text/event-stream; collects events (id, name, JSON data) and comments as they arrive.</summary>
public sealed class SseTestClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private SseTestClient(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        _response = response;
        _loop = Task.Run(ReadLoopAsync);
    }

    public ConcurrentQueue<(string Id, string Event, JsonNode Data)> Events { get; } = new();
    public ConcurrentQueue<string> Comments { get; } = new();

    /// <summary>Opens the stream; returns the client, or throws with the status and envelope when the server refuses it.</summary>
    public static async Task<SseTestClient> OpenAsync(Uri baseAddress, string path, string? bearer = null, string? lastEventId = null)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            http.Dispose();
            throw new SseRefusedException((int)response.StatusCode, body);
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var client = new SseTestClient(http, response);
        await client.WaitUntilAsync(() => !client.Comments.IsEmpty, "the stream's first comment");
        return client;
    }

    public async Task<List<(string Id, string Event, JsonNode Data)>> WaitForAsync(string eventName, int count)
    {
        List<(string, string, JsonNode)> Matching() => Events.Where(e => e.Event == eventName).ToList();
        await WaitUntilAsync(() => Matching().Count >= count, $"{count} '{eventName}' event(s)");
        return Matching();
    }

    /// <summary>Waits for an event of that name whose data matches; returns its data.</summary>
    public async Task<JsonNode> WaitForAsync(string eventName, Func<JsonNode, bool> match)
    {
        await WaitUntilAsync(() => Events.Any(e => e.Event == eventName && match(e.Data)), $"a matching '{eventName}' event");
        return Events.Last(e => e.Event == eventName && match(e.Data)).Data;
    }

    /// <summary>True once the server has ended the response (not when this client disposed it).</summary>
    public bool Ended { get; private set; }

    /// <summary>Waits (bounded) until the server ends the stream.</summary>
    public Task WaitForEndAsync() => WaitUntilAsync(() => Ended, "the server to end the stream");

    public Task WaitForCommentAsync(string text, int count) =>
        WaitUntilAsync(() => Comments.Count(c => c == text) >= count, $"{count} '{text}' comment(s)");

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
            string? id = null, name = null, data = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (name is not null && data is not null)
                        Events.Enqueue((id ?? "", name, JsonNode.Parse(data)!));
                    id = name = data = null;
                }
                else if (line.StartsWith(':'))
                    Comments.Enqueue(line[1..].Trim());
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                    id = line[4..];
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    data = data is null ? line[6..] : data + "\n" + line[6..];
            }
            Ended = !_stop.IsCancellationRequested;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // Cut off rather than ended cleanly: still the server's doing unless this client stopped reading.
            Ended = !_stop.IsCancellationRequested;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await Task.WhenAny(_loop, Task.Delay(2000));
        _http.Dispose();
    }
}

public sealed class SseRefusedException(int status, string body) : Exception($"{status}: {body}")
{
    public int Status { get; } = status;
    public string Body { get; } = body;
}
