using System.Buffers;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Benchmarks.Stomp;

/// <summary>Chat-shaped frames: a JSON body of the given size and the headers real clients send.</summary>
internal static class FrameSamples
{
    public const string Destination = "/topic/messages/4711";

    public static byte[] Body(int size)
    {
        var prefix = "{\"tempId\":\"c0ffee\",\"roomId\":4711,\"content\":{\"text\":\"";
        var text = new string('x', Math.Max(0, size - prefix.Length - 4));
        return Encoding.UTF8.GetBytes(prefix + text + "\"}}");
    }

    public static KeyValuePair<string, string>[] MessageHeaders(string subscription) =>
    [
        new("subscription", subscription),
        new("destination", Destination),
        new("message-id", "a1b2c3d4-123456"),
        new("content-type", "application/json"),
    ];

    /// <summary>SEND frames as a client writes them, every other one with content-length.</summary>
    public static byte[] SendStream(int frames, int bodySize)
    {
        var output = new ArrayBufferWriter<byte>();
        var body = Body(bodySize);
        for (var i = 0; i < frames; i++)
        {
            var header = $"SEND\ndestination:{Destination}\ncontent-type:application/json\nreceipt:r-{i}\n";
            if (i % 2 == 0) header += $"content-length:{body.Length}\n";
            StompFrameWriter.WriteRaw(output, Encoding.UTF8.GetBytes(header + "\n"));
            StompFrameWriter.WriteRaw(output, body);
            StompFrameWriter.WriteRaw(output, "\0\n"u8);
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Cuts a stream into segments the size a pipe hands the parser.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] data, int segmentSize)
    {
        Segment? first = null, last = null;
        for (var offset = 0; offset < data.Length; offset += segmentSize)
        {
            var chunk = data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
