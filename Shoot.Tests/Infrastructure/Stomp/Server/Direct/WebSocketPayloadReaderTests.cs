using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Server.Direct;

namespace Shoot.Tests.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The direct path's input: a client's WebSocket messages (real client wire bytes, masked) written into a pipe in small
/// pieces and small segments, read back as payload decoded in place, with the reader's own consumption rules.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebSocketPayloadReaderTests
{
    private sealed class Replies : IWebSocketControlReplies
    {
        public List<byte[]> Pongs { get; } = [];
        public List<WebSocketFrame> Closes { get; } = [];

        public ValueTask PongAsync(byte[] payload)
        {
            Pongs.Add(payload);
            return ValueTask.CompletedTask;
        }

        public ValueTask AnswerCloseAsync(WebSocketFrame frame)
        {
            Closes.Add(frame);
            return ValueTask.CompletedTask;
        }
    }

    private const int PauseWriterThreshold = 64 * 1024;

    // Small segments, so frames and payload straddle segment boundaries all the time; the writer waits while 64 KB are
    // unconsumed and not all examined (as Kestrel's does at 1 MB).
    private static Pipe SmallSegmentPipe() => new(new PipeOptions(pauseWriterThreshold: PauseWriterThreshold,
        resumeWriterThreshold: PauseWriterThreshold / 2, minimumSegmentSize: 16, useSynchronizationContext: false));

    private static async Task WriteInPiecesAsync(PipeWriter writer, byte[] wire, int piece, bool complete = true)
    {
        for (var at = 0; at < wire.Length; at += piece)
            await writer.WriteAsync(wire.AsMemory(at, Math.Min(piece, wire.Length - at))).ConfigureAwait(false);
        if (complete)
            await writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Reads like the session does: consumes whole lines ("\n"-terminated), leaves a partial line for later.</summary>
    private static async Task<List<string>> ReadLinesAsync(PipeReader reader)
    {
        var lines = new List<string>();
        while (true)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                lines.Add(Encoding.UTF8.GetString(buffer.Slice(0, end)));
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
                return lines;
        }
    }

    public static TheoryData<int> Pieces => [1, 5, 16, 100_000];

    [Theory]
    [MemberData(nameof(Pieces))]
    public async Task Lines_cut_across_frames_and_reads_come_out_whole_and_in_order_and_pings_are_answered(int piece)
    {
        var expected = Enumerable.Range(0, 200).Select(i => $"line {i} " + new string('é', i % 40)).ToList();
        var text = string.Concat(expected.Select(line => line + "\n"));
        var bytes = Encoding.UTF8.GetBytes(text);
        // The text as frames of 1 to 97 bytes (UTF-8 cut anywhere), with a ping in the middle.
        var frames = new List<(WebSocketMessageType, byte[], bool)>();
        for (int at = 0, size = 1; at < bytes.Length; at += size, size = size % 97 + 1)
            frames.Add((WebSocketMessageType.Text, bytes[at..Math.Min(at + size, bytes.Length)], at + size >= bytes.Length));
        // A ping between two frames of the message, as RFC 6455 allows (the managed client cannot send one).
        var half = await WebSocketFrameDecoderTests.ClientWireAsync([.. frames[..(frames.Count / 2)]]);
        var wire = (await WebSocketFrameDecoderTests.ClientWireAsync([.. frames])).ToList();
        wire.InsertRange(half.Length, WebSocketFrameDecoderTests.MaskedControlFrame(0x9, "ping"u8.ToArray()));

        var pipe = SmallSegmentPipe();
        var replies = new Replies();
        var reader = new WebSocketPayloadReader(pipe.Reader, new WebSocketFrameDecoder(), replies);
        var writing = WriteInPiecesAsync(pipe.Writer, [.. wire], piece);
        var lines = await ReadLinesAsync(reader);
        await writing;

        Assert.Equal(expected, lines);
        Assert.Equal("ping"u8.ToArray(), Assert.Single(replies.Pongs));
        Assert.Empty(replies.Closes);
    }

    [Fact]
    public async Task A_close_frame_ends_the_input_after_the_payload_before_it_and_is_answered()
    {
        var wire = new MemoryStream();
        using (var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions()))
        {
            await client.SendAsync("last words\n"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }
        var pipe = SmallSegmentPipe();
        var replies = new Replies();
        var reader = new WebSocketPayloadReader(pipe.Reader, new WebSocketFrameDecoder(), replies);
        // The client does not end the connection after its close: it waits for ours. The input ends all the same.
        await WriteInPiecesAsync(pipe.Writer, wire.ToArray(), 3, complete: false);

        Assert.Equal(["last words"], await ReadLinesAsync(reader));
        Assert.True(reader.HasEnded);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, Assert.Single(replies.Closes).Status);
        var again = await reader.ReadAsync();
        Assert.True(again.IsCompleted && again.Buffer.IsEmpty);
    }

    [Fact]
    public async Task A_violation_ends_the_input_and_is_answered_with_its_status()
    {
        var pipe = SmallSegmentPipe();
        var replies = new Replies();
        var reader = new WebSocketPayloadReader(pipe.Reader, new WebSocketFrameDecoder(), replies);
        await WriteInPiecesAsync(pipe.Writer, [0x81, 0x01, (byte)'a'], 100, complete: false); // unmasked

        var read = await reader.ReadAsync();
        Assert.True(read.IsCompleted);
        Assert.True(read.Buffer.IsEmpty);
        var close = Assert.Single(replies.Closes);
        Assert.Equal(WebSocketFrameKind.Violation, close.Kind);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, close.Status);
    }

    [Fact]
    public async Task Empty_frames_after_half_a_line_do_not_grow_the_buffer_while_the_reader_waits_for_the_rest()
    {
        // A kilobyte of a line, 100,000 empty continuation frames (600 KB of headers), then the line's end. The reader
        // consumes nothing until the line is whole, and the pipe lets its buffer grow past its limit while everything
        // in it has been examined: only compaction keeps the headers from piling up behind the payload.
        var wire = new MemoryStream();
        using (var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions()))
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(new string('z', 1000)), WebSocketMessageType.Text, false, CancellationToken.None);
            for (var i = 0; i < 100_000; i++)
                await client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, false, CancellationToken.None);
            await client.SendAsync("\n"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        var bytes = wire.ToArray(); // the socket's disposal closed the stream; ToArray still works
        Assert.True(bytes.Length > 8 * PauseWriterThreshold, $"wire {bytes.Length}");
        var pipe = SmallSegmentPipe();
        var reader = new WebSocketPayloadReader(pipe.Reader, new WebSocketFrameDecoder(), new Replies());
        var writing = WriteInPiecesAsync(pipe.Writer, bytes, 4096);

        long mostBuffered = 0;
        string? line = null;
        while (line is null)
        {
            var read = await reader.ReadAsync();
            mostBuffered = Math.Max(mostBuffered, reader.Buffered);
            if (read.Buffer.PositionOf((byte)'\n') is { } end)
            {
                line = Encoding.UTF8.GetString(read.Buffer.Slice(0, end));
                reader.AdvanceTo(read.Buffer.End);
            }
            else
            {
                Assert.False(read.IsCompleted, "the input ended before the line did");
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        await writing;

        Assert.Equal(new string('z', 1000), line);
        // Without compaction the reader held all 600 KB at the end.
        Assert.True(mostBuffered < 2 * PauseWriterThreshold, $"{mostBuffered} bytes were held for a 1,000-byte payload");
    }
}
