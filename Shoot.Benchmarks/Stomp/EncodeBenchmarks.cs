using System.Buffers;
using BenchmarkDotNet.Attributes;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Benchmarks.Stomp;

/// <summary>
/// Encoding a MESSAGE for 100 subscribers; one operation is one subscriber's frame. The baseline encodes every frame
/// in full (subscription header included); the alternative is what the broker does: encode the shared part once and
/// write only the precomputed "MESSAGE\nsubscription:id\n" prefix per subscriber.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class EncodeBenchmarks : IBytesPerOperation
{
    private const int Subscribers = 100;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private byte[] _body = [];
    private KeyValuePair<string, string>[][] _headers = [];
    private byte[][] _prefixes = [];

    [Params(64, 1024)]
    public int BodySize { get; set; } = 64;

    public long BytesPerOperation
    {
        get
        {
            var output = new ArrayBufferWriter<byte>();
            StompFrameWriter.Write(output, StompCommand.Message, FrameSamples.MessageHeaders("sub-42"), FrameSamples.Body(BodySize));
            return output.WrittenCount;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _body = FrameSamples.Body(BodySize);
        _headers = Enumerable.Range(0, Subscribers).Select(i => FrameSamples.MessageHeaders("sub-" + i)).ToArray();
        _prefixes = Enumerable.Range(0, Subscribers).Select(i =>
        {
            var prefix = new ArrayBufferWriter<byte>();
            StompFrameWriter.WriteCommand(prefix, StompCommand.Message);
            StompFrameWriter.WriteHeader(prefix, "subscription", "sub-" + i);
            return prefix.WrittenSpan.ToArray();
        }).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Subscribers, Baseline = true)]
    public int EncodeEveryFrameInFull()
    {
        _output.ResetWrittenCount();
        foreach (var headers in _headers) StompFrameWriter.Write(_output, StompCommand.Message, headers, _body);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Subscribers)]
    public int EncodeOnceSharePerSubscriber()
    {
        _output.ResetWrittenCount();
        var message = StompEncodedMessage.Create(FrameSamples.Destination, _body);
        foreach (var prefix in _prefixes)
        {
            StompFrameWriter.WriteRaw(_output, prefix);
            StompFrameWriter.WriteRaw(_output, message.Shared);
        }
        return _output.WrittenCount;
    }
}
