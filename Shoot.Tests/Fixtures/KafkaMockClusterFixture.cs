using System.Runtime.InteropServices;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// librdkafka's mock cluster: a real Kafka-protocol cluster (produce, fetch, consumer groups, offsets) running
/// inside the test process on loopback ports, with brokers that can be taken down and brought up for fault tests.
/// Each fixture instance is its own cluster; a class that takes brokers down should own its instance.
/// </summary>
public sealed unsafe class KafkaMockClusterFixture : IAsyncLifetime
{
    public const int BrokerCount = 3;

    private readonly object _gate = new();
    private IntPtr _handle;
    private IntPtr _cluster;

    /// <summary>Comma-separated host:port list for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; private set; } = "";

    /// <summary>Broker ids are 1..<see cref="BrokerCount"/>.</summary>
    public IReadOnlyList<int> BrokerIds { get; } = Enumerable.Range(1, BrokerCount).ToArray();

    public Task InitializeAsync()
    {
        _handle = LibrdkafkaMock.NewHandle();
        _cluster = LibrdkafkaMock.Native.MockClusterNew(_handle, BrokerCount);
        if (_cluster == IntPtr.Zero)
        {
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new failed ({LibrdkafkaMock.LoadedLibraryPath}).");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(LibrdkafkaMock.Native.MockClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
        return Task.CompletedTask;
    }

    /// <summary>Creates a topic; replication is the whole cluster, so acks=all waits for every broker in sync.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = BrokerCount)
    {
        fixed (byte* topic = LibrdkafkaMock.Utf8z(name))
        {
            LibrdkafkaMock.ThrowIfError(
                LibrdkafkaMock.Native.MockTopicCreate(Cluster(), topic, partitions, replicationFactor), $"Creating topic {name}");
        }
    }

    /// <summary>Disconnects the broker and refuses new connections to it (leaders do not move).</summary>
    public void BrokerDown(int brokerId) =>
        LibrdkafkaMock.ThrowIfError(LibrdkafkaMock.Native.MockBrokerSetDown(Cluster(), brokerId), $"Taking broker {brokerId} down");

    public void BrokerUp(int brokerId) =>
        LibrdkafkaMock.ThrowIfError(LibrdkafkaMock.Native.MockBrokerSetUp(Cluster(), brokerId), $"Bringing broker {brokerId} up");

    /// <summary>Every broker down: the whole cluster is unreachable, as in a Kafka outage.</summary>
    public void AllBrokersDown()
    {
        foreach (var id in BrokerIds)
            BrokerDown(id);
    }

    public void AllBrokersUp()
    {
        foreach (var id in BrokerIds)
            BrokerUp(id);
    }

    public Task DisposeAsync()
    {
        lock (_gate)
        {
            if (_cluster != IntPtr.Zero)
            {
                LibrdkafkaMock.Native.MockClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                LibrdkafkaMock.Native.Destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }

        return Task.CompletedTask;
    }

    private IntPtr Cluster() => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockClusterFixture));
}
