using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;
using Xunit.Abstractions;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>
/// Throws seeded, mutated frames at a running server. Each mutated frame is followed by more than a frame's worth of
/// EOLs (so an unfinished frame must overflow the size limit instead of waiting) and a probe frame with a receipt.
/// The server must answer every connection with either the probe's RECEIPT or an ERROR followed by close; the
/// parser acts as oracle, so input it rejects must get the ERROR. Well-behaved clients keep working throughout.
/// </summary>
[Trait("Category", "Load")]
public class StompFuzzTests(ITestOutputHelper output)
{
    private const int MaxFrameSize = 2048;
    private const int TargetFrames = 10_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);
    private static readonly byte[] Filler = Enumerable.Repeat((byte)'\n', MaxFrameSize + 64).ToArray();
    private static readonly StompParserLimits Limits = new(MaxFrameSize, 64, 8 * 1024);

    private static readonly string[] Corpus =
    [
        "SEND\ndestination:/topic/fuzz\ncontent-type:text/plain\n\nhello\0",
        "SEND\ndestination:/topic/fuzz\ncontent-length:4\n\na\0b\0\0",
        "SEND\r\ndestination:/topic/fuzz\r\nx-h\\c:v\\n\\\\\r\n\r\nbody\0",
        "SUBSCRIBE\nid:s1\ndestination:/topic/fuzz\nack:client-individual\n\n\0",
        "SUBSCRIBE\nid:s2\ndestination:/user/queue/errors\n\n\0",
        "UNSUBSCRIBE\nid:s1\n\n\0",
        "ACK\nid:1\n\n\0",
        "NACK\nid:2\ntransaction:t\n\n\0",
        "BEGIN\ntransaction:t\n\n\0",
        "COMMIT\ntransaction:t\nreceipt:c\n\n\0",
        "ABORT\ntransaction:t\n\n\0",
        "SEND\ndestination:/app/none\n\n{\"tempId\":\"x\"}\0",
    ];

    private static readonly byte[] Interesting = "\0\n\r:\\c-0123456789"u8.ToArray();

    [Fact]
    public async Task Survives_ten_thousand_mutated_frames_without_leaks_or_crashes()
    {
        await using var host = await StompTestHost.StartAsync(new() { ["MaxFrameSize"] = MaxFrameSize.ToString() });
        var token = host.Jwt.Issue("fuzzer");
        var (listener, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("calm-1"));
        var (talker, _) = await StompTestClient.ConnectAsync(host.Uri, host.Jwt.Issue("calm-2"));
        await using var __ = listener;
        await using var ___ = talker;
        await listener.SendFrameAsync(StompCommand.Subscribe, ("id", "calm"), ("destination", "/topic/calm"), ("receipt", "ready"));
        await listener.ExpectAsync(StompCommand.Receipt);

        var deadline = DateTime.UtcNow + Budget;
        var frames = 0;
        var errors = 0;
        var workers = Enumerable.Range(0, 4).Select(seed => Task.Run(async () =>
        {
            var random = new Random(20261125 + seed);
            while (Interlocked.CompareExchange(ref frames, 0, 0) < TargetFrames && DateTime.UtcNow < deadline)
            {
                if (await FuzzOneConnection(host, token, random, () => Interlocked.Increment(ref frames))) Interlocked.Increment(ref errors);
            }
        })).ToList();

        // The well-behaved pair keeps talking while the fuzzers run.
        for (var round = 0; workers.Any(w => !w.IsCompleted); round++)
        {
            await talker.SendFrameAsync(StompCommand.Send, "calm " + round, ("destination", "/topic/calm"));
            Assert.Equal("calm " + round, Encoding.UTF8.GetString((await listener.ExpectAsync(StompCommand.Message)).Body.Span));
            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(100));
        }
        await Task.WhenAll(workers);
        output.WriteLine($"{frames} mutated frames, {errors} connections ended by ERROR");

        Assert.True(frames >= TargetFrames, $"only {frames} frames within {Budget}");
        await StompTestHost.Eventually(() => host.Broker.SessionCount == 2, "fuzz sessions to be cleaned up");
        Assert.Empty(host.ServerErrors);
        await talker.SendFrameAsync(StompCommand.Send, "still here", ("destination", "/topic/calm"), ("receipt", "end"));
        await talker.ExpectAsync(StompCommand.Receipt);
        Assert.Equal("still here", Encoding.UTF8.GetString((await listener.ExpectAsync(StompCommand.Message)).Body.Span));
    }

    /// <returns>true if the connection ended with an ERROR.</returns>
    private static async Task<bool> FuzzOneConnection(StompTestHost host, string token, Random random, Func<int> countFrame)
    {
        await using var client = await StompTestClient.OpenAsync(host.Uri);
        var connect = Encoding.UTF8.GetBytes($"CONNECT\naccept-version:1.2\nhost:h\nAuthorization:Bearer {token}\n\n\0");
        var fuzzConnect = random.Next(10) == 0;
        if (!fuzzConnect) await client.SendAsync(connect);
        for (var probe = 0; probe < 20; probe++)
        {
            var mutated = fuzzConnect && probe == 0 ? Mutate(connect, random) : Mutate(Encoding.UTF8.GetBytes(Corpus[random.Next(Corpus.Length)]), random);
            countFrame();
            var probeFrame = Encoding.UTF8.GetBytes($"UNSUBSCRIBE\nid:none\nreceipt:probe-{probe}\n\n\0");
            byte[] wire = [.. mutated, .. Filler, .. probeFrame];
            var verdict = Oracle(wire);
            await SendInPieces(client, wire, random);

            while (true)
            {
                var frame = await client.ReceiveAsync();
                if (frame is null)
                {
                    Assert.True(verdict == StompCommand.Disconnect, $"closed without ERROR after: {Show(mutated)}");
                    return false;
                }
                if (frame.Command == StompCommand.Error)
                {
                    await client.ExpectClosedAsync();
                    return true;
                }
                if (frame.Command == StompCommand.Receipt && frame["receipt-id"] == $"probe-{probe}")
                {
                    Assert.True(verdict is not null, $"accepted a frame the parser rejects: {Show(mutated)}");
                    break;
                }
            }
        }
        return false;
    }

    /// <summary>null when the parser rejects the bytes (the server must send ERROR); else the first frame's command.</summary>
    private static StompCommand? Oracle(byte[] wire)
    {
        var buffer = new ReadOnlySequence<byte>(wire);
        StompCommand? first = null;
        try
        {
            while (StompFrameParser.TryParse(ref buffer, StompVersion.V12, Limits, out var frame)) first ??= frame!.Command;
            return first;
        }
        catch (StompProtocolException)
        {
            return null;
        }
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var bytes = frame.ToList();
        for (var mutations = random.Next(1, 4); mutations > 0 && bytes.Count > 0; mutations--)
        {
            var at = random.Next(bytes.Count);
            var value = random.Next(3) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
            switch (random.Next(6))
            {
                case 0: bytes[at] = value; break;
                case 1: bytes.Insert(at, value); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 40), bytes.Count - at))); break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes("content-length:" + random.Next(-5, 5000) + "\n")); break;
            }
        }
        return [.. bytes];
    }

    private static async Task SendInPieces(StompTestClient client, byte[] wire, Random random)
    {
        var cuts = Enumerable.Range(0, random.Next(3)).Select(_ => random.Next(wire.Length)).Append(wire.Length).Order().ToList();
        var start = 0;
        foreach (var cut in cuts)
        {
            var type = random.Next(2) == 0 ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
            // Text messages must be valid UTF-8 for the client API; pieces with arbitrary bytes go binary.
            if (!System.Text.Unicode.Utf8.IsValid(wire.AsSpan(start, cut - start))) type = WebSocketMessageType.Binary;
            if (cut > start) await client.SendAsync(wire[start..cut], type);
            start = cut;
        }
    }

    private static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\0", "^@").Replace("\n", "\\n").Replace("\r", "\\r");
}
