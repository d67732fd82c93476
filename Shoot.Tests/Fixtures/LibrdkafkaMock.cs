using System.Runtime.InteropServices;
using System.Text;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// The <c>rd_kafka_mock_*</c> functions of the very librdkafka that Confluent.Kafka loaded. Confluent picks
/// its library itself (its default one needs libsasl2.so.3, which Debian lacks, so it falls back to its
/// bundled build), so we let it load first and then bind to the loaded file by its path in /proc/self/maps.
/// </summary>
internal static unsafe class LibrdkafkaMock
{
    private static readonly Lazy<Functions> Bound = new(Bind);

    public static Functions Native => Bound.Value;

    public static string LoadedLibraryPath { get; private set; } = "";

    internal sealed class Functions
    {
        public required delegate* unmanaged<IntPtr> ConfNew;
        public required delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet;
        public required delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New;
        public required delegate* unmanaged<IntPtr, void> Destroy;
        public required delegate* unmanaged<IntPtr, int, IntPtr> MockClusterNew;
        public required delegate* unmanaged<IntPtr, void> MockClusterDestroy;
        public required delegate* unmanaged<IntPtr, IntPtr> MockClusterBootstraps;
        public required delegate* unmanaged<IntPtr, byte*, int, int, int> MockTopicCreate;
        public required delegate* unmanaged<IntPtr, int, int> MockBrokerSetDown;
        public required delegate* unmanaged<IntPtr, int, int> MockBrokerSetUp;
        public required delegate* unmanaged<int, IntPtr> ErrorToString;
    }

    /// <summary>Creates a bare producer handle, only to own a mock cluster (rd_kafka_mock_cluster_new needs one).</summary>
    public static IntPtr NewHandle()
    {
        var f = Native;
        var conf = f.ConfNew();
        var errorBuffer = new byte[512];
        fixed (byte* name = "log_level\0"u8, value = "3\0"u8, error = errorBuffer)
        {
            if (f.ConfSet(conf, name, value, error, (nuint)errorBuffer.Length) != 0)
            {
                throw new InvalidOperationException("rd_kafka_conf_set failed: " + ReadError(errorBuffer));
            }

            // rd_kafka_new takes ownership of conf on success.
            var handle = f.New(0 /* RD_KAFKA_PRODUCER */, conf, error, (nuint)errorBuffer.Length);
            return handle != IntPtr.Zero
                ? handle
                : throw new InvalidOperationException("rd_kafka_new failed: " + ReadError(errorBuffer));
        }
    }

    public static void ThrowIfError(int errorCode, string what)
    {
        if (errorCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {Marshal.PtrToStringUTF8(Native.ErrorToString(errorCode))} ({errorCode})");
        }
    }

    public static byte[] Utf8z(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static string ReadError(byte[] buffer) => Encoding.UTF8.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));

    private static Functions Bind()
    {
        Confluent.Kafka.Library.Load();
        LoadedLibraryPath = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).Contains("librdkafka", StringComparison.Ordinal))
            .Select(fields => string.Join(' ', fields.Skip(5)))
            .FirstOrDefault()
            ?? throw new InvalidOperationException("Confluent.Kafka loaded no librdkafka that /proc/self/maps shows.");

        var library = NativeLibrary.Load(LoadedLibraryPath);
        void* Export(string name) => (void*)NativeLibrary.GetExport(library, name);

        return new Functions
        {
            ConfNew = (delegate* unmanaged<IntPtr>)Export("rd_kafka_conf_new"),
            ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Export("rd_kafka_conf_set"),
            New = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Export("rd_kafka_new"),
            Destroy = (delegate* unmanaged<IntPtr, void>)Export("rd_kafka_destroy"),
            MockClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)Export("rd_kafka_mock_cluster_new"),
            MockClusterDestroy = (delegate* unmanaged<IntPtr, void>)Export("rd_kafka_mock_cluster_destroy"),
            MockClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Export("rd_kafka_mock_cluster_bootstraps"),
            MockTopicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Export("rd_kafka_mock_topic_create"),
            MockBrokerSetDown = (delegate* unmanaged<IntPtr, int, int>)Export("rd_kafka_mock_broker_set_down"),
            MockBrokerSetUp = (delegate* unmanaged<IntPtr, int, int>)Export("rd_kafka_mock_broker_set_up"),
            ErrorToString = (delegate* unmanaged<int, IntPtr>)Export("rd_kafka_err2str"),
        };
    }
}
