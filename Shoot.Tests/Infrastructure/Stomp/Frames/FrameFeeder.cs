using System.Buffers;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Frames;

/// <summary>Drives the parser like the server's pipe read loop: chunks arrive, unconsumed bytes stay as segments.</summary>
internal static class FrameFeeder
{
    public static List<StompFrame> Feed(IEnumerable<byte[]> chunks, StompVersion version = StompVersion.V12, StompParserLimits? limits = null) =>
        Feed(chunks, out _, version, limits);

    public static List<StompFrame> Feed(IEnumerable<byte[]> chunks, out long leftover, StompVersion version = StompVersion.V12, StompParserLimits? limits = null)
    {
        var frames = new List<StompFrame>();
        var pending = new List<byte[]>();
        var actualLimits = limits ?? StompParserLimits.Default;
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            var buffer = Build(pending);
            while (StompFrameParser.TryParse(ref buffer, version, actualLimits, out var frame)) frames.Add(frame!);
            pending = [];
            foreach (var memory in buffer) pending.Add(memory.ToArray());
        }
        leftover = pending.Sum(p => (long)p.Length);
        return frames;
    }

    public static List<StompFrame> FeedWhole(string text, StompVersion version = StompVersion.V12) => Feed([Encoding.UTF8.GetBytes(text)], version);

    /// <summary>Every way of cutting the input in two, plus one byte per segment.</summary>
    public static IEnumerable<byte[][]> Splits(byte[] input)
    {
        for (var cut = 0; cut <= input.Length; cut++) yield return [input[..cut], input[cut..]];
        yield return input.Select(b => new[] { b }).ToArray();
    }

    public static ReadOnlySequence<byte> Build(IReadOnlyList<byte[]> segments)
    {
        var nonEmpty = segments.Where(s => s.Length > 0).ToList();
        if (nonEmpty.Count == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(nonEmpty[0], 0);
        var last = first;
        foreach (var next in nonEmpty.Skip(1)) last = last.Append(next);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
