using System.Runtime.InteropServices;
using Shoot.Tests.Fixtures;

namespace Shoot.LoadTest;

/// <summary>
/// <c>--kafka-mock</c>: librdkafka's in-process mock cluster serves the Kafka protocol on a loopback port, so other
/// processes (two Shoot.Api instances) can use it as their broker. This process only has to stay alive.
/// </summary>
public static class KafkaMockMode
{
    public static async Task<int> RunAsync()
    {
        var (handle, cluster, bootstrap) = Start();

        // The script reads this line to learn the port.
        Console.WriteLine("BOOTSTRAP " + bootstrap);
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        await stop.Task;

        Stop(handle, cluster);
        return 0;
    }

    private static unsafe (IntPtr Handle, IntPtr Cluster, string Bootstrap) Start()
    {
        var handle = LibrdkafkaMock.NewHandle();
        var cluster = LibrdkafkaMock.Native.MockClusterNew(handle, 1);
        if (cluster == IntPtr.Zero) throw new InvalidOperationException($"rd_kafka_mock_cluster_new failed ({LibrdkafkaMock.LoadedLibraryPath}).");
        var bootstrap = Marshal.PtrToStringUTF8(LibrdkafkaMock.Native.MockClusterBootstraps(cluster))!;

        // Created here, with the server's default partition count (6), so the servers find them ready.
        foreach (var topic in new[] { "chat-messages", "chat-messages-dlq" })
        {
            fixed (byte* name = LibrdkafkaMock.Utf8z(topic))
            {
                LibrdkafkaMock.ThrowIfError(LibrdkafkaMock.Native.MockTopicCreate(cluster, name, 6, 1), "Creating topic " + topic);
            }
        }
        return (handle, cluster, bootstrap);
    }

    private static unsafe void Stop(IntPtr handle, IntPtr cluster)
    {
        LibrdkafkaMock.Native.MockClusterDestroy(cluster);
        LibrdkafkaMock.Native.Destroy(handle);
    }
}
