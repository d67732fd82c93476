using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HdrHistogram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Tests.Fixtures;

// Usage: dotnet run -c Release --project Shoot.Benchmarks.Pipeline -- [outbox|kafka|both] [messages] [concurrency] [rooms]
//        dotnet run -c Release --project Shoot.Benchmarks.Pipeline -- writers   (two instances' store writers on one SQLite file)
var adapter = args.ElementAtOrDefault(0) ?? "both";
if (adapter == "writers")
{
    await SharedFileWriters.RunAsync();
    return;
}
var count = int.Parse(args.ElementAtOrDefault(1) ?? "20000", CultureInfo.InvariantCulture);
var concurrency = int.Parse(args.ElementAtOrDefault(2) ?? "64", CultureInfo.InvariantCulture);
var rooms = int.Parse(args.ElementAtOrDefault(3) ?? "100", CultureInfo.InvariantCulture);
Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {count} messages, {concurrency} senders, {rooms} rooms");

if (adapter is "outbox" or "both")
    await PipelineRun.RunAsync("outbox (SQLite messages.db)", new Dictionary<string, string?>(), count, concurrency, rooms);
if (adapter is "kafka" or "both")
{
    using var cluster = new MockCluster(brokers: 3);
    cluster.CreateTopic("chat-messages", partitions: 6, replication: 3);
    cluster.CreateTopic("chat-messages-dlq", partitions: 6, replication: 3);
    await PipelineRun.RunAsync("kafka (mock cluster, 3 brokers, 6 partitions, acks=all)",
        new Dictionary<string, string?> { ["ConnectionStrings:Kafka"] = cluster.BootstrapServers }, count, concurrency, rooms);
}

internal static class PipelineRun
{
    public static async Task RunAsync(string name, Dictionary<string, string?> settings, int count, int concurrency, int rooms)
    {
        var data = Directory.CreateTempSubdirectory("shoot-pipeline-bench-");
        try
        {
            var observer = new TimingObserver(count);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Shoot:DataDirectory"] = data.FullName });
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddOptions<ShootOptions>().BindConfiguration(ShootOptions.Section);
            builder.Services.AddOptions<ConnectionStringsOptions>().BindConfiguration(ConnectionStringsOptions.Section);
            builder.Services.AddSingleton(TimeProvider.System);
            var connections = ConnectionStringsOptions.From(builder.Configuration);
            builder.Services.AddMessageStore(connections);
            builder.Services.AddPersistencePipeline(connections);
            builder.Services.AddSingleton<IPersistenceObserver>(observer);
            using var host = builder.Build();
            await host.StartAsync();
            var pipeline = host.Services.GetRequiredService<IPersistencePipeline>();
            // Warm-up: the first message waits for the consumer to join its group; that start-up is not throughput.
            var warmUp = new StoredMessage { Id = MessageId.New(DateTimeOffset.UtcNow), RoomId = 0, Seq = 1, SenderId = 7, Text = "warm-up",
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };
            observer.Started(warmUp.Id, Stopwatch.GetTimestamp());
            await pipeline.EnqueueAsync(warmUp);
            await observer.WarmedUp.WaitAsync(TimeSpan.FromMinutes(2));

            var now = DateTimeOffset.UtcNow;
            var messages = Enumerable.Range(0, count).Select(i => new StoredMessage
            {
                Id = MessageId.New(now), RoomId = 1 + i % rooms, Seq = 1 + i / rooms, SenderId = 7, TempId = $"t{i}",
                Text = "a chat message of a typical length, about a hundred characters long, give or take a few words.",
                CreatedAt = now, UpdatedAt = now,
            }).ToList();
            var enqueueLatency = new LongHistogram(TimeStamp.Minutes(5), 3);
            var next = -1;
            var total = Stopwatch.StartNew();
            var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                {
                    var started = Stopwatch.GetTimestamp();
                    observer.Started(messages[i].Id, started);
                    await pipeline.EnqueueAsync(messages[i]);
                    lock (enqueueLatency)
                        enqueueLatency.RecordValue(Stopwatch.GetTimestamp() - started);
                }
            })).ToList();
            await Task.WhenAll(senders);
            var enqueued = total.Elapsed;
            await observer.AllSaved.WaitAsync(TimeSpan.FromMinutes(10));
            var saved = total.Elapsed;
            await host.StopAsync();

            Console.WriteLine();
            Console.WriteLine($"## {name}");
            Console.WriteLine($"enqueue:     {count / enqueued.TotalSeconds,10:N0} msg/s   (all {count} accepted in {enqueued.TotalSeconds:F2} s)");
            Console.WriteLine($"end to end:  {count / saved.TotalSeconds,10:N0} msg/s   (all SAVED after {saved.TotalSeconds:F2} s)");
            Console.WriteLine($"EnqueueAsync latency ms:   {Percentiles(enqueueLatency)}");
            Console.WriteLine($"enqueue→SAVED latency ms:  {Percentiles(observer.Latency)}");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static string Percentiles(HistogramBase histogram)
    {
        static string Ms(long ticks) => (ticks * 1000.0 / Stopwatch.Frequency).ToString("F2", CultureInfo.InvariantCulture);
        return $"p50 {Ms(histogram.GetValueAtPercentile(50))}  p90 {Ms(histogram.GetValueAtPercentile(90))}  "
            + $"p99 {Ms(histogram.GetValueAtPercentile(99))}  max {Ms(histogram.GetMaxValue())}";
    }
}

/// <summary>Measures, per message, the time from the start of its EnqueueAsync to the SAVED report.</summary>
internal sealed class TimingObserver(int expected) : IPersistenceObserver
{
    private readonly ConcurrentDictionary<string, long> _started = new();
    private readonly TaskCompletionSource _allSaved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _saved = -1;

    public LongHistogram Latency { get; } = new(TimeStamp.Minutes(10), 3);
    public Task AllSaved => _allSaved.Task;
    public Task WarmedUp => _warmedUp.Task;

    public void Started(string id, long timestamp) => _started[id] = timestamp;

    public ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var counted = 0;
        lock (Latency)
        {
            foreach (var message in messages)
            {
                if (!_started.TryRemove(message.Id, out var started))
                    continue;
                if (message.Text == "warm-up")
                    _warmedUp.TrySetResult();
                else
                    Latency.RecordValue(now - started);
                counted++;
            }
        }
        // _saved starts at -1 so the warm-up message does not count.
        if (Interlocked.Add(ref _saved, counted) >= expected)
            _allSaved.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken cancellationToken)
    {
        _allSaved.TrySetException(new InvalidOperationException($"{message.Id} failed: {reason}"));
        return ValueTask.CompletedTask;
    }
}

/// <summary>librdkafka's mock cluster in this process (the test fixture's bindings), for a broker-free Kafka run.</summary>
internal sealed unsafe class MockCluster : IDisposable
{
    private readonly IntPtr _handle = LibrdkafkaMock.NewHandle();
    private readonly IntPtr _cluster;

    public MockCluster(int brokers)
    {
        _cluster = LibrdkafkaMock.Native.MockClusterNew(_handle, brokers);
        BootstrapServers = Marshal.PtrToStringUTF8(LibrdkafkaMock.Native.MockClusterBootstraps(_cluster))!;
    }

    public string BootstrapServers { get; }

    public void CreateTopic(string name, int partitions, int replication)
    {
        fixed (byte* topic = LibrdkafkaMock.Utf8z(name))
            LibrdkafkaMock.ThrowIfError(LibrdkafkaMock.Native.MockTopicCreate(_cluster, topic, partitions, replication), $"Creating topic {name}");
    }

    public void Dispose()
    {
        LibrdkafkaMock.Native.MockClusterDestroy(_cluster);
        LibrdkafkaMock.Native.Destroy(_handle);
    }
}

/// <summary>
/// Two instances storing into one SQLite file (two <see cref="Shoot.Infrastructure.Persistence.SqliteDatabase"/>s, so two
/// pools, as two processes have): each commits groups of 20 rows, 2 ms apart, 300 times. Prints the commit latency:
/// what a writer waiting for the other's lock costs (docs/performance.md, "Ninth profile").
/// </summary>
internal static class SharedFileWriters
{
    public static async Task RunAsync()
    {
        var data = Directory.CreateTempSubdirectory("shoot-writers-bench-");
        try
        {
            var file = Path.Combine(data.FullName, "shared.db");
            var databases = new[] { new Shoot.Infrastructure.Persistence.SqliteDatabase(file), new Shoot.Infrastructure.Persistence.SqliteDatabase(file) };
            await using (var connection = await databases[0].OpenAsync())
            await using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE m (id TEXT PRIMARY KEY, room INTEGER, seq INTEGER, text TEXT)";
                await create.ExecuteNonQueryAsync();
            }
            var latency = new LongHistogram(TimeStamp.Minutes(1), 3);
            var total = Stopwatch.StartNew();
            await Task.WhenAll(databases.Select(database => Task.Run(() => WriteAsync(database, latency))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"two writers on one file: {latency.TotalCount} commits in {total.ElapsedMilliseconds} ms; commit p50 {Ms(latency, 50):F1} ms, " +
                $"p99 {Ms(latency, 99):F1} ms, max {latency.GetMaxValue() * 1000.0 / Stopwatch.Frequency:F1} ms"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }

    private static double Ms(LongHistogram histogram, double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;

    private static async Task WriteAsync(Shoot.Infrastructure.Persistence.SqliteDatabase database, LongHistogram latency)
    {
        for (var group = 0; group < 300; group++)
        {
            var started = Stopwatch.GetTimestamp();
            await using (var connection = await database.OpenAsync())
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                for (var row = 0; row < 20; row++)
                {
                    await using var insert = connection.CreateCommand();
                    insert.Transaction = transaction;
                    insert.CommandText = "INSERT INTO m VALUES ($id, 1, $seq, 'a message of about a hundred bytes, as the load tool sends them, give or take a few more')";
                    var id = insert.CreateParameter();
                    (id.ParameterName, id.Value) = ("$id", Guid.NewGuid().ToString("N"));
                    var seq = insert.CreateParameter();
                    (seq.ParameterName, seq.Value) = ("$seq", group * 20 + row);
                    insert.Parameters.Add(id);
                    insert.Parameters.Add(seq);
                    await insert.ExecuteNonQueryAsync();
                }
                await transaction.CommitAsync();
            }
            lock (latency)
                latency.RecordValue(Stopwatch.GetTimestamp() - started);
            await Task.Delay(2);
        }
    }
}
