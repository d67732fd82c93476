using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.SockJs;

namespace Shoot.Benchmarks.Stomp;

/// <summary>
/// What SockJS adds per outgoing STOMP batch over a raw WebSocket, which sends the bytes as they are: decode the
/// UTF-8, quote it as a JSON string, wrap it in an <c>a[…]</c> frame and encode it again (the xhr-streaming path).
/// One operation is one batch holding one MESSAGE frame.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class SockJsFramingBenchmarks : IBytesPerOperation
{
    private byte[] _frame = [];

    [Params(64, 1024)]
    public int BodySize { get; set; } = 64;

    public long BytesPerOperation => Frame(BodySize).Length;

    private static byte[] Frame(int bodySize)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, StompCommand.Message, FrameSamples.MessageHeaders("sub-42"), FrameSamples.Body(bodySize));
        return output.WrittenSpan.ToArray();
    }

    [GlobalSetup]
    public void Setup() => _frame = Frame(BodySize);

    [Benchmark]
    public int QuoteAndFrameOneBatch()
    {
        var quoted = SockJsFrames.Quote(Encoding.UTF8.GetString(_frame));
        return Encoding.UTF8.GetBytes(SockJsFrames.Messages([quoted]) + "\n").Length;
    }
}
