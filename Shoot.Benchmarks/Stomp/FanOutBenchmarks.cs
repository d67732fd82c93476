using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Benchmarks.Stomp;

/// <summary>
/// One publish fanned out to N local subscribers through the real broker, sessions and writer loops (in-memory
/// transport). One operation is one delivery; each invocation delivers 1000, i.e. 1000/N publishes. The allocation
/// column is per delivery and includes the writer loops on other threads.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class FanOutBenchmarks : IBytesPerOperation
{
    private const int DeliveriesPerInvoke = 1000;
    private readonly DeliveryCounter _counter = new();
    private readonly List<(MemoryTransport Transport, Task Session)> _sessions = [];
    private StompServer _server = null!;
    private StompBroker _broker = null!;
    private byte[] _body = [];

    [Params(1, 10, 100, 1000)]
    public int Subscribers { get; set; } = 100;

    public long BytesPerOperation
    {
        get
        {
            var message = StompEncodedMessage.Create(FrameSamples.Destination, FrameSamples.Body(256));
            return "MESSAGE\nsubscription:0\n".Length + message.Shared.Length;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _body = FrameSamples.Body(256);
        _broker = new StompBroker();
        var options = Options.Create(new StompOptions { MaxOutboundQueue = 4 * DeliveriesPerInvoke, HeartBeatSendMilliseconds = 0, HeartBeatReceiveMilliseconds = 0 });
        _server = new StompServer(options, _broker, new AcceptingAuthenticator(), [], [new AllowAll()], [], [], NullLoggerFactory.Instance);
        _counter.Expect(Subscribers); // one CONNECTED frame each; armed before any session can send it
        for (var i = 0; i < Subscribers; i++)
        {
            var transport = new MemoryTransport(_counter);
            _sessions.Add((transport, _server.RunSessionAsync(transport, "token", CancellationToken.None)));
            var frames = $"CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:{i}\ndestination:{FrameSamples.Destination}\n\n\0";
            transport.ClientOutput.WriteAsync(Encoding.UTF8.GetBytes(frames)).AsTask().GetAwaiter().GetResult();
        }
        _counter.Wait();
        SpinWait.SpinUntil(() => _broker.SubscribersOf(FrameSamples.Destination).Count == Subscribers, TimeSpan.FromSeconds(30));
        if (_broker.SubscribersOf(FrameSamples.Destination).Count != Subscribers) throw new InvalidOperationException("subscriptions not ready");
    }

    [Benchmark(OperationsPerInvoke = DeliveriesPerInvoke)]
    public void PublishToAll()
    {
        _counter.Expect(DeliveriesPerInvoke);
        for (var i = DeliveriesPerInvoke / Subscribers; i > 0; i--) _broker.Publish(FrameSamples.Destination, _body);
        _counter.Wait();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.CloseAll();
        Task.WaitAll(_sessions.Select(s => s.Session).ToArray(), TimeSpan.FromSeconds(30));
        _sessions.Clear();
    }

    private sealed class AcceptingAuthenticator : IStompAuthenticator
    {
        public ValueTask<StompPrincipal?> AuthenticateAsync(string token, CancellationToken cancellationToken) =>
            ValueTask.FromResult<StompPrincipal?>(new StompPrincipal("bench", "bench", null));
    }

    private sealed class AllowAll : IStompDestinationAuthorizer
    {
        public string DestinationPrefix => "/topic/";

        public ValueTask<StompRefusal?> AuthorizeSubscribeAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken) => default;

        public ValueTask<StompRefusal?> AuthorizeSendAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken) => default;
    }
}
