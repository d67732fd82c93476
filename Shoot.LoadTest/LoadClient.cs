using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.LoadTest;

/// <param name="TempId">The load tempId the message carried; null for a message not sent by a load client.</param>
public readonly record struct Delivery(long Seq, LoadTempId? TempId);

public readonly record struct Sent(LoadTempId TempId, bool Measured);

/// <summary>
/// One user's STOMP session (and, with <c>--sse</c>, its unread stream): subscribes to its room and its error queue, sends on a fixed schedule, and records every
/// delivery. The sender and the receive loop are the only writers of their own lists, which are read after both stop.
/// </summary>
/// <param name="receiveOnly">Fan-out subscriber: subscribes to its room (and its error queue) only, and never sends.</param>
/// <param name="watchStatuses">A receive-only client also subscribes to the room's status topic (and ignores what it gets there).</param>
public sealed class LoadClient(LoadUser user, int roomIndex, long roomId, Scenario scenario = Scenario.Messages, bool receiveOnly = false,
    bool watchStatuses = false) : IAsyncDisposable
{
    private static readonly StompParserLimits Limits = new(4 * 1024 * 1024, 1000, 64 * 1024);
    private readonly ClientWebSocket _socket = new();
    // ClientWebSocket allows one send at a time; after CONNECT only the send loop writes, the lock keeps that a fact.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiveLoop;
    private volatile bool _stopping;

    public LoadUser User => user;
    public int RoomIndex => roomIndex;
    public long RoomId => roomId;
    public bool ReceiveOnly => receiveOnly;
    public List<Delivery> Deliveries { get; } = [];
    public List<Sent> Sends { get; } = [];
    public List<string> Errors { get; } = [];

    /// <summary>This client's own tempIds that reached status SAVED (stored by the persistence pipeline).</summary>
    public HashSet<LoadTempId> Saved { get; } = [];

    /// <summary>Send → SAVED latency (µs) of this client's measured messages.</summary>
    public LongHistogram SaveLatency { get; } = LoadMath.NewLatencyHistogram();

    /// <summary>End-to-end latency (µs) of measured messages this client received, its own included.</summary>
    public LongHistogram Latency { get; } = LoadMath.NewLatencyHistogram();

    /// <summary>How far (µs) a send ran behind its schedule, worst case: shows when the load machine could not keep up.</summary>
    public long MaxSendLagMicroseconds { get; private set; }

    public string? Failure { get; private set; }

    /// <summary>The user's unread SSE stream with <c>--sse</c>; stopped and disposed with this client.</summary>
    public SseUnreadClient? UnreadStream { get; set; }

    /// <summary>Ids of the room's messages in the order this client first received them (seq order).</summary>
    public List<string> MessageIds { get; } = [];

    /// <summary>Re-broadcasts of a message this client had already received (read-count changes), counted while measuring.</summary>
    public long MeasuredUpdates { get; private set; }

    /// <summary>Of <see cref="MeasuredUpdates"/>, those whose readCount equals the previous copy's: nothing new for the client.</summary>
    public long MeasuredUnchangedUpdates { get; private set; }

    /// <summary>/app/read or /app/typing frames sent while measuring (scenarios reads and typing).</summary>
    public long MeasuredEventsSent { get; private set; }

    /// <summary>/topic/typing events received while measuring, and how many of them said isTyping:false.</summary>
    public long MeasuredTypingEvents { get; private set; }

    public long MeasuredTypingStops { get; private set; }

    /// <summary>Events received after this are no longer counted (the window's end plus a short settle).</summary>
    public long MeasureUntilTicks { get; set; } = long.MaxValue;

    /// <summary>seq → the readCount of the last copy received (scenarios other than messages).</summary>
    private readonly Dictionary<long, int> _readCounts = [];

    /// <summary>Messages sent before this (warm-up) are neither counted nor put into the histogram; set before sending starts.</summary>
    public long MeasureFromTicks { get; set; } = long.MaxValue;

    public async Task ConnectAsync(CancellationToken ct)
    {
        _socket.Options.AddSubProtocol("v12.stomp");
        var ws = new UriBuilder(new Uri(user.BaseUrl, "ws/chat")) { Scheme = user.BaseUrl.Scheme == "https" ? "wss" : "ws" }.Uri;
        await _socket.ConnectAsync(ws, ct);
        // No heart-beats: the run is short and both sides are on loopback.
        await SendFrameAsync(StompCommand.Connect, "", ct,
            ("accept-version", "1.2"), ("host", ws.Host), ("heart-beat", "0,0"), ("Authorization", "Bearer " + user.AccessToken));
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(ct), CancellationToken.None);
        // The server handles a session's frames in order, so the receipt of the second SUBSCRIBE says both are live
        // before anyone sends, so no early message is "lost" by us.
        await SendFrameAsync(StompCommand.Subscribe, "", ct, ("id", "errors"), ("destination", "/user/queue/errors"));
        // Statuses of the whole room arrive here; only this client's own tempIds are kept (see OnStatus).
        if (!receiveOnly || watchStatuses) await SendFrameAsync(StompCommand.Subscribe, "", ct, ("id", "status"), ("destination", $"/topic/message/status/{roomId}"));
        if (scenario == Scenario.Typing)
            await SendFrameAsync(StompCommand.Subscribe, "", ct, ("id", "typing"), ("destination", $"/topic/typing/{roomId}"));
        await SendFrameAsync(StompCommand.Subscribe, "", ct, ("id", "room"), ("destination", $"/topic/messages/{roomId}"), ("receipt", "subscribed"));
        await _subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>Sends on the schedule <see cref="LoadMath.DueTicks"/> from <paramref name="startTicks"/> until <paramref name="endTicks"/>.</summary>
    public Task SendLoopAsync(LoadOptions options, double phase, long startTicks, long endTicks, CancellationToken ct)
    {
        var text = LoadMath.Payload(options.PayloadBytes);
        LoadTempId tempId = default;
        return ScheduleAsync(options.Rate, phase, options.RampSeconds, startTicks, endTicks, "/app/chat", (n, now) =>
            {
                tempId = new LoadTempId(user.Index, n, now);
                return JsonSerializer.Serialize(new { tempId = tempId.ToString(), roomId, content = new { text, type = "TEXT" } });
            },
            now => Sends.Add(new Sent(tempId, now >= MeasureFromTicks)), ct);
    }

    /// <summary>
    /// Read n names the n-th message of the room this client received (the newest it has, once it has read them all):
    /// a reader moving through the room, so every read moves the read position and the server has re-broadcasts to send.
    /// </summary>
    public Task ReadLoopAsync(double rate, double phase, long startTicks, long endTicks, CancellationToken ct) =>
        ScheduleAsync(rate, phase, 0, startTicks, endTicks, "/app/read",
            (n, _) => JsonSerializer.Serialize(new { roomId, messageId = MessageIdAt(n) }),
            CountEventSent, ct);

    public Task TypingLoopAsync(double rate, double phase, long startTicks, long endTicks, CancellationToken ct) =>
        ScheduleAsync(rate, phase, 0, startTicks, endTicks, "/app/typing",
            (_, _) => JsonSerializer.Serialize(new { roomId, isTyping = true }), CountEventSent, ct);

    /// <summary>The n-th received message's id, the newest when n is past the end; null (= the room's newest) when none.</summary>
    private string? MessageIdAt(long n)
    {
        lock (MessageIds) return MessageIds.Count == 0 ? null : MessageIds[(int)Math.Min(n, MessageIds.Count - 1)];
    }

    private void CountEventSent(long now)
    {
        if (now >= MeasureFromTicks) MeasuredEventsSent++;
    }

    /// <summary>
    /// Sends one frame to <paramref name="destination"/> on the schedule <see cref="LoadMath.DueTicks"/> from
    /// <paramref name="startTicks"/> until <paramref name="endTicks"/>; <paramref name="body"/> gets the frame's number
    /// and send time, <paramref name="sent"/> the send time once the frame is out.
    /// </summary>
    private async Task ScheduleAsync(double rate, double phase, double rampSeconds, long startTicks, long endTicks, string destination,
        Func<long, long, string> body, Action<long> sent, CancellationToken ct)
    {
        for (long n = 0; ; n++)
        {
            var due = startTicks + LoadMath.DueTicks(n, rate, phase, rampSeconds);
            if (due >= endTicks || Failure is not null) return;
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0) await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency), ct);

            var now = Stopwatch.GetTimestamp();
            MaxSendLagMicroseconds = Math.Max(MaxSendLagMicroseconds, LoadMath.TicksToMicroseconds(now - due));
            try
            {
                await SendFrameAsync(StompCommand.Send, body(n, now), ct, ("destination", destination), ("content-type", "application/json"));
            }
            // A session the server dropped (a slow consumer when the generator falls behind) fails alone; the run goes on
            // and reports it. A broken socket can surface as a cancellation of the send even though ct is not cancelled.
            catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or IOException
                                           || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                Failure ??= "send failed: " + (ex.InnerException?.Message ?? ex.Message);
                return;
            }
            sent(now);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var count = 0;
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var result = await _socket.ReceiveAsync(buffer.AsMemory(count), ct);
                if (result.MessageType == WebSocketMessageType.Close) break;
                count += result.Count;

                var consumed = HandleFrames(buffer, count);
                // Keep the unparsed tail at the start of the buffer.
                Buffer.BlockCopy(buffer, consumed, buffer, 0, count - consumed);
                count -= consumed;
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception ex) when (ex is WebSocketException or StompProtocolException)
        {
            // An abort by StopAsync ends the receive with an exception too; that is no failure of the run.
            if (!_stopping) Failure ??= "receive failed: " + ex.Message;
        }
        if (!ct.IsCancellationRequested && !_stopping) Failure ??= "server closed the connection";
    }

    /// <summary>Handles every whole frame in the first <paramref name="count"/> bytes of <paramref name="buffer"/>; returns the bytes they took.</summary>
    private int HandleFrames(byte[] buffer, int count)
    {
        var consumed = 0;
        while (true)
        {
            var rest = buffer.AsSpan(consumed, count - consumed);
            switch (MessageFrameScanner.Scan(rest, out var length, out var subscription, out var body))
            {
                case MessageFrameScanner.Outcome.Message:
                    HandleMessage(subscription, body);
                    consumed += length;
                    continue;
                case MessageFrameScanner.Outcome.Incomplete:
                    return consumed;
            }
            // Not a MESSAGE: the full parser (it also consumes heart-beats, even when no frame follows them).
            var sequence = new ReadOnlySequence<byte>(buffer, consumed, rest.Length);
            var parsed = StompFrameParser.TryParse(ref sequence, StompVersion.V12, Limits, out var frame);
            consumed += rest.Length - (int)sequence.Length;
            if (!parsed) return consumed;
            Handle(frame!);
        }
    }

    private void HandleMessage(ReadOnlySpan<byte> subscription, ReadOnlySpan<byte> body)
    {
        if (subscription.SequenceEqual("errors"u8)) Errors.Add(Encoding.UTF8.GetString(body));
        else if (subscription.SequenceEqual("status"u8)) OnStatus(body);
        else if (subscription.SequenceEqual("typing"u8)) OnTyping(body);
        else OnMessage(body);
    }

    /// <summary>Every frame but MESSAGE (<see cref="HandleMessage"/>).</summary>
    private void Handle(StompFrame frame)
    {
        switch (frame.Command)
        {
            case StompCommand.Connected:
                return;
            case StompCommand.Receipt:
                _subscribed.TrySetResult();
                return;
            case StompCommand.Error:
                Failure ??= "ERROR frame: " + frame["message"];
                _subscribed.TrySetException(new InvalidOperationException(Failure));
                return;
        }
    }

    private void OnMessage(ReadOnlySpan<byte> body)
    {
        var received = Stopwatch.GetTimestamp();
        if (scenario == Scenario.Messages)
        {
            // The hot path of the messages and fan-out runs: only seq and tempId are needed, so the body is scanned
            // rather than parsed into a document, which keeps the load generator's CPU per delivery small.
            var (messageSeq, messageTempId) = LoadMath.ReadSeqAndTempId(body);
            Record(messageSeq, messageTempId, received);
            return;
        }
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var tempId = root.TryGetProperty("tempId", out var t) && t.ValueKind == JsonValueKind.String && LoadTempId.TryParse(t.GetString(), out var parsed)
            ? parsed
            : (LoadTempId?)null;
        var seq = root.GetProperty("seq").GetInt64();
        var readCount = root.TryGetProperty("readCount", out var r) ? r.GetInt32() : 0;
        if (_readCounts.TryGetValue(seq, out var previous))
        {
            // The whole message again (read-count change): an update, not a new delivery.
            _readCounts[seq] = readCount;
            if (!IsMeasuring(received)) return;
            MeasuredUpdates++;
            if (readCount == previous) MeasuredUnchangedUpdates++;
            return;
        }
        _readCounts[seq] = readCount;
        lock (MessageIds) MessageIds.Add(root.GetProperty("id").GetString()!);
        Record(seq, tempId, received);
    }

    private void Record(long seq, LoadTempId? tempId, long received)
    {
        Deliveries.Add(new Delivery(seq, tempId));
        if (tempId is { SentTicks: var sentTicks } && sentTicks >= MeasureFromTicks)
        {
            Latency.RecordValue(Math.Max(0, LoadMath.TicksToMicroseconds(received - sentTicks)));
        }
    }

    private bool IsMeasuring(long ticks) => ticks >= MeasureFromTicks && ticks < MeasureUntilTicks;

    private void OnTyping(ReadOnlySpan<byte> body)
    {
        if (!IsMeasuring(Stopwatch.GetTimestamp())) return;
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        MeasuredTypingEvents++;
        if (document.RootElement.TryGetProperty("isTyping", out var typing) && typing.ValueKind == JsonValueKind.False) MeasuredTypingStops++;
    }

    private void OnStatus(ReadOnlySpan<byte> body)
    {
        // A watching subscriber only receives them (the server's cost); parsing them would cost the load tool's core.
        if (receiveOnly) return;
        var received = Stopwatch.GetTimestamp();
        if (LoadMath.ReadSavedTempId(body) is not { } tempId || tempId.Client != user.Index) return;
        if (Saved.Add(tempId) && tempId.SentTicks >= MeasureFromTicks)
        {
            SaveLatency.RecordValue(Math.Max(0, LoadMath.TicksToMicroseconds(received - tempId.SentTicks)));
        }
    }

    private async Task SendFrameAsync(StompCommand command, string body, CancellationToken ct, params (string Key, string Value)[] headers)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, command, headers.Select(h => KeyValuePair.Create(h.Key, h.Value)), Encoding.UTF8.GetBytes(body));
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(output.WrittenMemory, WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Closes the session and waits (bounded) for the receive loop to end, so the report never reads a list that is
    /// still being appended to.
    /// </summary>
    public async Task StopAsync()
    {
        _stopping = true;
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone; nothing to report at the end of a run.
            }
        }
        if (_receiveLoop is not null && await Task.WhenAny(_receiveLoop, Task.Delay(5000)) != _receiveLoop)
        {
            // The server did not answer the close: abort, which ends the pending receive at once.
            _socket.Abort();
            await _receiveLoop;
        }
        if (UnreadStream is not null) await UnreadStream.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (UnreadStream is not null) await UnreadStream.DisposeAsync();
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
