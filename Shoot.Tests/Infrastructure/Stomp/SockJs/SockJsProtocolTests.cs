using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Stomp.Server;
using Shoot.Infrastructure.Stomp.SockJs;
using Shoot.Tests.Infrastructure.Stomp.Server;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Stomp.SockJs;

/// <summary>
/// The SockJS protocol at the wire, against the real host (the cases of sockjs-protocol's test suite that apply to
/// the transports Shoot offers), with short heart-beat, disconnect and response-limit settings so each rule shows.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SockJsProtocolTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Shoot:SockJs:HeartbeatInterval"] = "00:00:01",
        ["Shoot:SockJs:DisconnectDelay"] = "00:00:01",
        ["Shoot:SockJs:StreamingResponseLimitBytes"] = "4096",
        ["Shoot:SockJs:MaxIncomingMessageBytes"] = "8192",
    }, kestrel: true);

    private HttpClient _http = null!;
    private TestUser _user = null!;

    public async Task InitializeAsync()
    {
        _http = new HttpClient { BaseAddress = _factory.ServerAddress };
        _user = await _factory.CreateShootClient().CreateUserAsync("sj");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    private static string NewSession() => "/ws/chat/000/" + Guid.NewGuid().ToString("N");

    private string Connect => JsonSerializer.Serialize(new[] { $"CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer {_user.AccessToken}\n\n\0" });

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string? body = null)
    {
        using var response = await _http.PostAsync(path, body is null ? null : new StringContent(body, Encoding.UTF8, "text/plain"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Info_describes_the_service_uncached_with_fresh_entropy()
    {
        using var first = await _http.GetAsync("/ws/chat/info");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/json", first.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", first.Headers.CacheControl!.ToString());
        var info = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.True(info["websocket"]!.GetValue<bool>());
        Assert.False(info["cookie_needed"]!.GetValue<bool>());
        Assert.Equal(["*:*"], info["origins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(["websocket", "xhr-streaming", "xhr-polling", "eventsource"], info["transports"]!.AsArray().Select(t => t!.GetValue<string>()));
        var entropies = new HashSet<long> { info["entropy"]!.GetValue<long>() };
        for (var i = 0; i < 3; i++)
            entropies.Add(JsonNode.Parse(await _http.GetStringAsync("/ws/chat/info"))!["entropy"]!.GetValue<long>());
        Assert.True(entropies.Count > 1, "entropy must change between calls");

        using var preflight = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/ws/chat/info"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        using var wrongMethod = await _http.PostAsync("/ws/chat/info", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task Without_listed_origins_any_origin_is_echoed_with_credentials()
    {
        // Shoot:AllowedOrigins is empty here: every origin may use the service (SockJsAdmissionTests covers a list).
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ws/chat/info");
        request.Headers.Add("Origin", "https://anywhere.example");
        using var info = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal(["https://anywhere.example"], info.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Equal(["true"], info.Headers.GetValues("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Xhr_polling_opens_carries_stomp_both_ways_and_serves_the_close_frame_until_forgotten()
    {
        var session = NewSession();
        Assert.Equal((HttpStatusCode.OK, "o\n"), await PostAsync(session + "/xhr"));
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(session + "/xhr_send", Connect)).Status);
        var (status, body) = await PostAsync(session + "/xhr");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("a[\"CONNECTED\\n", body);
        Assert.EndsWith("]\n", body);
        Assert.Contains($"user-name:{_user.Id}", JsonSerializer.Deserialize<string[]>(body[1..^1])![0]);

        // The server id is only for load balancers: the session is found by its id alone.
        var otherServer = session.Replace("/000/", "/999/");
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(otherServer + "/xhr_send", JsonSerializer.Serialize(new[] { "DISCONNECT\nreceipt:bye\n\n\0" }))).Status);
        var receipt = await PostAsync(otherServer + "/xhr");
        Assert.StartsWith("a[\"RECEIPT\\nreceipt-id:bye", receipt.Body);
        Assert.Equal("c[1000,\"Bye\"]\n", (await PostAsync(session + "/xhr")).Body);
        Assert.Equal("c[1000,\"Bye\"]\n", (await PostAsync(session + "/xhr")).Body);

        // A send to the closed session is refused; DisconnectDelay after the last poll it is forgotten, and a poll
        // with the same id opens a new session.
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(session + "/xhr_send", "[]")).Status);
        var sessions = _factory.Services.GetRequiredService<SockJsSessions>();
        var id = session[(session.LastIndexOf('/') + 1)..];
        await Eventually.HoldsAsync(() => Task.FromResult(sessions.Find(id, null) is null));
        Assert.Equal("o\n", (await PostAsync(session + "/xhr")).Body);
    }

    [Fact]
    public async Task A_polling_request_with_nothing_to_say_gets_a_heartbeat_frame()
    {
        var session = NewSession();
        Assert.Equal("o\n", (await PostAsync(session + "/xhr")).Body);
        Assert.Equal((HttpStatusCode.OK, "h\n"), await PostAsync(session + "/xhr"));
    }

    [Fact]
    public async Task A_bad_token_gets_the_error_frame_then_the_close_frame()
    {
        var session = NewSession();
        await PostAsync(session + "/xhr");
        var connect = JsonSerializer.Serialize(new[] { "CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer nonsense\n\n\0" });
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(session + "/xhr_send", connect)).Status);
        var error = await PostAsync(session + "/xhr");
        Assert.StartsWith("a[\"ERROR\\n", error.Body);
        Assert.Equal("c[1008,\"STOMP error\"]\n", (await PostAsync(session + "/xhr")).Body);
    }

    [Fact]
    public async Task A_session_without_a_receiving_request_times_out_and_its_stomp_session_ends()
    {
        var broker = _factory.Services.GetRequiredService<StompBroker>();
        var session = NewSession();
        await PostAsync(session + "/xhr");
        await PostAsync(session + "/xhr_send", Connect);
        Assert.StartsWith("a[\"CONNECTED", (await PostAsync(session + "/xhr")).Body);
        Assert.Equal(1, broker.SessionCount);
        // No further poll: after DisconnectDelay the client counts as gone.
        await Eventually.HoldsAsync(() => Task.FromResult(broker.SessionCount == 0));
        await Eventually.HoldsAsync(async () => (await PostAsync(session + "/xhr_send", "[]")).Status == HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_second_receiving_request_gets_close_2010_and_the_first_keeps_working()
    {
        var session = NewSession();
        using var stream = await StreamAsync(HttpMethod.Post, session + "/xhr_streaming");
        Assert.Equal(new string('h', 2048) + "\n", await stream.ReadAsync(2049));
        Assert.Equal("o\n", await stream.ReadAsync(2));

        Assert.Equal((HttpStatusCode.OK, "c[2010,\"Another connection still open\"]\n"), await PostAsync(session + "/xhr"));

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(session + "/xhr_send", Connect)).Status);
        Assert.StartsWith("a[\"CONNECTED", await stream.ReadLineAsync());
    }

    [Fact]
    public async Task Xhr_streaming_frames_by_newline_and_ends_a_full_response()
    {
        var session = NewSession();
        using var stream = await StreamAsync(HttpMethod.Post, session + "/xhr_streaming");
        Assert.Equal("application/javascript", stream.Response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", stream.Response.Headers.CacheControl!.ToString());
        await stream.ReadAsync(2049);
        Assert.Equal("o\n", await stream.ReadLineAsync());
        await PostAsync(session + "/xhr_send", Connect);
        Assert.StartsWith("a[\"CONNECTED", await stream.ReadLineAsync());
        // Heart-beats keep the stream alive while nothing else is sent.
        Assert.Equal("h\n", await stream.ReadLineAsync());

        // Past 4096 bytes (this host's limit) the response ends; the session stays for the next request.
        var frame = JsonSerializer.Serialize(new[] { "SUBSCRIBE\nid:1\ndestination:/user/queue/errors\nreceipt:" + new string('r', 5000) + "\n\n\0" });
        await PostAsync(session + "/xhr_send", frame);
        Assert.StartsWith("a[\"RECEIPT", await stream.ReadLineAsync());
        Assert.Null(await stream.ReadLineAsync());
        using var next = await StreamAsync(HttpMethod.Post, session + "/xhr_streaming");
        await next.ReadAsync(2049);
        Assert.Equal("h\n", await next.ReadLineAsync());
    }

    [Fact]
    public async Task Eventsource_frames_as_events_and_escapes_percent_for_the_clients_uri_decoding()
    {
        var session = NewSession();
        using var stream = await StreamAsync(HttpMethod.Get, session + "/eventsource");
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("\r\n", await stream.ReadAsync(2));
        Assert.Equal("data: o\r\n\r\n", await stream.ReadAsync(11));
        var connect = JsonSerializer.Serialize(new[] { $"CONNECT\naccept-version:1.2\nhost:100%\nAuthorization:Bearer {_user.AccessToken}\n\n\0" });
        await PostAsync(session + "/xhr_send", connect);
        var connected = await stream.ReadEventAsync();
        Assert.StartsWith("data: a[\"CONNECTED", connected);
        // 100% would otherwise break decodeURI in sockjs-client; the server names no '%' here, so send a refusal that echoes one.
        await PostAsync(session + "/xhr_send", JsonSerializer.Serialize(new[] { "SUBSCRIBE\nid:1\ndestination:/user/queue/errors\n\n\0", "SEND\ndestination:/app/100%\n\n\0" }));
        var refused = await stream.ReadEventAsync();
        Assert.Contains("/app/100%25", refused);
        Assert.DoesNotContain("100%\\", refused);
    }

    [Theory]
    [InlineData("/ws/chat/a./b/xhr")]
    [InlineData("/ws/chat/a/b./xhr")]
    [InlineData("/ws/chat/a/b/nonsense")]
    [InlineData("/ws/chat/a/b/jsonp")]
    [InlineData("/ws/chat/a/b/htmlfile")]
    [InlineData("/ws/chat/iframe.html")]
    [InlineData("/ws/chat/iframe-1.6.1.html")]
    [InlineData("/ws/chat/a/b/c/xhr")]
    public async Task Malformed_paths_unknown_and_iframe_transports_are_404(string path)
    {
        using var response = await _http.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_sends_get_clear_statuses_and_leave_the_session_working()
    {
        var session = NewSession();
        await PostAsync(session + "/xhr");
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("/ws/chat/000/no-such-session/xhr_send", "[\"x\"]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(session + "/xhr_send", "")).Status);
        foreach (var broken in new[] { "[\"x\"", "{\"a\":1}", "[1]", "\"x\"", "[\"x\"] []", "not json" })
        {
            var (status, body) = await PostAsync(session + "/xhr_send", broken);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("Broken JSON", body);
        }
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(session + "/xhr_send", JsonSerializer.Serialize(new[] { new string('x', 9000) }))).Status);
        using (var wrongMethod = await _http.GetAsync(session + "/xhr_send"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
            Assert.Contains("POST", wrongMethod.Content.Headers.Allow);
        }
        using (var plainGet = await _http.GetAsync(session + "/websocket"))
            Assert.Equal(HttpStatusCode.BadRequest, plainGet.StatusCode);

        // An empty array is a valid (client heart-beat) send; the session still works.
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(session + "/xhr_send", "[]")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(session + "/xhr_send", Connect)).Status);
        Assert.StartsWith("a[\"CONNECTED", (await PostAsync(session + "/xhr")).Body);
    }

    [Fact]
    public async Task The_websocket_transport_frames_each_message_and_closes_on_broken_framing()
    {
        var uri = new Uri(_factory.StompUri + "/000/" + Guid.NewGuid().ToString("N") + "/websocket");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        Assert.Equal("o", await ReceiveTextAsync(socket));
        await SendTextAsync(socket, "");   // ignored
        await SendTextAsync(socket, "[]"); // ignored
        // A single JSON string is a message too.
        await SendTextAsync(socket, JsonSerializer.Serialize($"CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer {_user.AccessToken}\n\n\0"));
        Assert.StartsWith("a[\"CONNECTED", await ReceiveTextAsync(socket));
        Assert.Equal("h", await ReceiveTextAsync(socket));

        await SendTextAsync(socket, "[broken");
        var buffer = new byte[1024];
        var closing = await socket.ReceiveAsync(buffer, CancellationToken.None);
        while (closing.MessageType != WebSocketMessageType.Close) closing = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(3000, (int)socket.CloseStatus!.Value);
        Assert.Equal("Broken framing.", socket.CloseStatusDescription);
        await Eventually.HoldsAsync(() => Task.FromResult(_factory.Services.GetRequiredService<StompBroker>().SessionCount == 0));
    }

    [Fact]
    public async Task The_raw_websocket_url_speaks_plain_stomp()
    {
        var (client, connected) = await StompTestClient.ConnectAsync(new Uri(_factory.StompUri + "/websocket"), _user.AccessToken);
        await using var _ = client;
        Assert.Equal(_user.Id.ToString(), connected["user-name"]);
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private async Task<OpenStream> StreamAsync(HttpMethod method, string path)
    {
        var response = await _http.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new OpenStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>A streaming response read as it arrives: exact byte counts, lines, or events.</summary>
    private sealed class OpenStream(HttpResponseMessage response, Stream body) : IDisposable
    {
        private readonly StringBuilder _buffered = new();

        public HttpResponseMessage Response => response;

        public async Task<string> ReadAsync(int chars)
        {
            while (_buffered.Length < chars && await FillAsync()) { }
            return Take(Math.Min(chars, _buffered.Length));
        }

        /// <summary>Up to and including the next newline; null when the response ended first.</summary>
        public Task<string?> ReadLineAsync() => ReadUntilAsync("\n");

        public async Task<string> ReadEventAsync() => await ReadUntilAsync("\r\n\r\n") ?? throw new Xunit.Sdk.XunitException("The stream ended");

        private async Task<string?> ReadUntilAsync(string terminator)
        {
            while (true)
            {
                var at = _buffered.ToString().IndexOf(terminator, StringComparison.Ordinal);
                if (at >= 0) return Take(at + terminator.Length);
                if (!await FillAsync()) return null;
            }
        }

        private async Task<bool> FillAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var chunk = new byte[8192];
            var read = await body.ReadAsync(chunk, timeout.Token);
            if (read == 0) return false;
            _buffered.Append(Encoding.UTF8.GetString(chunk, 0, read));
            return true;
        }

        private string Take(int length)
        {
            var text = _buffered.ToString(0, length);
            _buffered.Remove(0, length);
            return text;
        }

        public void Dispose()
        {
            body.Dispose();
            response.Dispose();
        }
    }
}
