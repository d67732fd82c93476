using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Tests.Infrastructure.Stomp.Server;

namespace Shoot.Tests.Support;

/// <summary>
/// A chat user's STOMP session for end-to-end tests: a background loop collects every MESSAGE by destination, in
/// arrival order, and RECEIPTs by id; waits are bounded so a missing message fails the test instead of hanging it.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly StompTestClient _stomp;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonNode>> _byDestination = new();
    private readonly ConcurrentDictionary<string, byte> _receipts = new();
    private readonly Task _loop;
    private int _nextId;

    private ChatClient(StompTestClient stomp)
    {
        _stomp = stomp;
        // A room can be quiet for a while (a broker outage, say); only the test's own waits are bounded.
        _stomp.ReceivePatience = Timeout.InfiniteTimeSpan;
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public bool Closed { get; private set; }

    public static async Task<ChatClient> ConnectAsync(Uri stompUri, string accessToken)
    {
        var (stomp, _) = await StompTestClient.ConnectAsync(stompUri, accessToken);
        var client = new ChatClient(stomp);
        await client.SubscribeAsync("/user/queue/errors");
        return client;
    }

    /// <summary>Subscribes and waits for the server's receipt, so the subscription (and any replay) is in place when this returns.</summary>
    public async Task SubscribeAsync(string destination, params (string Key, string Value)[] extraHeaders)
    {
        var id = "sub-" + Interlocked.Increment(ref _nextId);
        var receipt = "r-" + id;
        await _stomp.SendFrameAsync(StompCommand.Subscribe, [("id", id), ("destination", destination), ("receipt", receipt), .. extraHeaders]);
        await WaitUntilAsync(() => _receipts.ContainsKey(receipt), $"receipt for SUBSCRIBE {destination}");
    }

    public Task SendChatAsync(long roomId, string tempId, string text, string? threadId = null, string? replyTo = null) =>
        SendAsync("/app/chat", JsonSerializer.Serialize(new { tempId, roomId, content = new { text, type = "TEXT" }, threadId, replyToMessageId = replyTo }));

    /// <summary>
    /// Sends and waits until the message is stored (SAVED on /topic/message/status/{roomId}, which the caller has
    /// subscribed to); returns the stored message id.
    /// </summary>
    public async Task<string> SendSavedAsync(long roomId, string tempId, string text, string? threadId = null, string? replyTo = null)
    {
        await SendChatAsync(roomId, tempId, text, threadId, replyTo);
        var saved = await WaitForAsync($"/topic/message/status/{roomId}", 1,
            s => s["tempId"]!.GetValue<string>() == tempId && s["status"]!.GetValue<string>() == "SAVED");
        return saved[0]["persistedId"]!.GetValue<string>();
    }

    public Task SendAsync(string destination, string json) =>
        _stomp.SendFrameAsync(StompCommand.Send, json, ("destination", destination), ("content-type", "application/json"));

    public IReadOnlyList<JsonNode> Received(string destination) =>
        _byDestination.TryGetValue(destination, out var queue) ? queue.ToList() : [];

    public IReadOnlyList<JsonNode> Errors => Received("/user/queue/errors");

    /// <summary>Waits until <paramref name="destination"/> has at least <paramref name="count"/> messages matching <paramref name="filter"/>.</summary>
    public async Task<IReadOnlyList<JsonNode>> WaitForAsync(string destination, int count, Func<JsonNode, bool>? filter = null)
    {
        IReadOnlyList<JsonNode> Matching() => Received(destination).Where(filter ?? (_ => true)).ToList();
        await WaitUntilAsync(() => Matching().Count >= count, $"{count} message(s) on {destination} (have {Matching().Count})");
        return Matching();
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (Closed)
                throw new Xunit.Sdk.XunitException($"Connection closed while waiting for {what}");
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (await _stomp.ReceiveAsync() is { } frame)
            {
                if (frame.Command == StompCommand.Receipt && frame["receipt-id"] is { } receipt)
                    _receipts[receipt] = 1;
                else if (frame.Command == StompCommand.Message && frame["destination"] is { } destination)
                    _byDestination.GetOrAdd(destination, _ => new()).Enqueue(JsonNode.Parse(Encoding.UTF8.GetString(frame.Body.Span))!);
            }
        }
        catch (Exception) when (Closed)
        {
        }
        Closed = true;
    }

    public async ValueTask DisposeAsync()
    {
        Closed = true;
        await _stomp.DisposeAsync();
        await Task.WhenAny(_loop, Task.Delay(2000));
    }
}
