using System.Buffers;
using BenchmarkDotNet.Attributes;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Benchmarks.Stomp;

/// <summary>Parser throughput over a stream of client SEND frames; one operation is one frame.</summary>
[Config(typeof(ThroughputConfig))]
public class ParseBenchmarks : IBytesPerOperation
{
    private const int Frames = 1000;
    private byte[] _stream = [];
    private ReadOnlySequence<byte> _segmented;

    [Params(64, 1024)]
    public int BodySize { get; set; } = 64;

    public long BytesPerOperation => FrameSamples.SendStream(Frames, BodySize).Length / Frames;

    [GlobalSetup]
    public void Setup()
    {
        _stream = FrameSamples.SendStream(Frames, BodySize);
        _segmented = FrameSamples.Segmented(_stream, 4096);
    }

    [Benchmark(OperationsPerInvoke = Frames, Baseline = true)]
    public int ParseContiguous() => ParseAll(new ReadOnlySequence<byte>(_stream));

    /// <summary>As the server sees it: 4 KiB pipe segments, so some frames straddle two.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public int ParseSegmented() => ParseAll(_segmented);

    private static int ParseAll(ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        while (StompFrameParser.TryParse(ref buffer, StompVersion.V12, StompParserLimits.Default, out _)) count++;
        if (count != Frames) throw new InvalidOperationException($"parsed {count} frames");
        return count;
    }
}
