using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Shoot.LoadTest;

/// <summary>
/// One user's unread stream (<c>GET /api/v1/sse/unread/{userId}</c>, docs/api.md §7), opened on the instance the user's
/// STOMP session uses and read for the whole run. Every <c>unread</c> event of the client's room is kept with its
/// arrival time; the read loop is the only writer of <see cref="Events"/>, which is read after <see cref="StopAsync"/>.
/// </summary>
public sealed class SseUnreadClient(HttpClient http, LoadUser user, long roomId) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    // Completed by the first line the server sends (": connected", written once it has subscribed the stream).
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;
    private Task? _readLoop;
    private volatile bool _stopping;
    private long _latestCount;

    /// <summary>
    /// An HttpClient for streams that stay open for the whole run: no overall timeout (opening is bounded by the caller's
    /// token instead) and no cap on connections per server, so every client gets its own connection.
    /// </summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The room's unread events in arrival order.</summary>
    public List<UnreadEvent> Events { get; } = [];

    /// <summary>Events for rooms other than the client's (the user is in one room only, so none are expected).</summary>
    public long ForeignRoomEvents { get; private set; }

    /// <summary>The counts when the stream opened; set by the caller before anyone sends.</summary>
    public UnreadAtStart AtStart { get; set; }

    public string? Failure { get; private set; }

    /// <summary>Whether the latest event counts at least this many messages since the start (the drain waits for it).</summary>
    public bool HasCounted(long messages) => Volatile.Read(ref _latestCount) - AtStart.RoomCount >= messages;

    /// <summary>
    /// Opens the stream and waits until the server has subscribed it. A refusal (not 200 text/event-stream) throws with
    /// the status and body, so a run never goes on with a stream missing.
    /// </summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        var path = "api/v1/sse/unread/" + user.UserId.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(user.BaseUrl, path));
        request.Headers.Authorization = new("Bearer", user.AccessToken);
        request.Headers.Accept.Add(new("text/event-stream"));
        _response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var mediaType = _response.Content.Headers.ContentType?.MediaType;
        if (_response.StatusCode != HttpStatusCode.OK || mediaType != "text/event-stream")
        {
            var body = await _response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException($"GET /{path} (user {user.Index}) answered {(int)_response.StatusCode} {mediaType}: {body}");
        }

        var stream = await _response.Content.ReadAsStreamAsync(ct);
        _readLoop = Task.Run(() => ReadLoopAsync(stream), CancellationToken.None);
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    private async Task ReadLoopAsync(Stream stream)
    {
        var parser = new SseEventParser();
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                _connected.TrySetResult();
                if (parser.Push(line) is { Event: "unread" } unread) OnUnread(unread.Data, Stopwatch.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (_stopping)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            // Disposing the response in StopAsync also ends a pending read with one of these; that is no failure.
            if (!_stopping) Failure ??= "unread stream failed: " + ex.Message;
        }
        // The server ends a stream whose reader fell 256 events behind; the run must show that, not lose the events quietly.
        if (!_stopping) Failure ??= "unread stream ended by the server";
        _connected.TrySetException(new InvalidOperationException(Failure ?? "unread stream closed before it was connected"));
    }

    private void OnUnread(string data, long arrivedTicks)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        if (root.GetProperty("roomId").GetInt64() != roomId)
        {
            ForeignRoomEvents++;
            return;
        }
        var count = root.GetProperty("unreadCount").GetInt64();
        Events.Add(new UnreadEvent(count, root.GetProperty("totalUnread").GetInt64(), arrivedTicks));
        Volatile.Write(ref _latestCount, count);
    }

    /// <summary>Closes the stream and waits (bounded) for the read loop, so the report never reads a list still being appended to.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        await _stop.CancelAsync();
        // Closing the response aborts the connection, which ends a read that ignores the token.
        _response?.Dispose();
        if (_readLoop is not null && await Task.WhenAny(_readLoop, Task.Delay(5000)) != _readLoop)
            Failure ??= "unread stream did not stop within 5 s";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
