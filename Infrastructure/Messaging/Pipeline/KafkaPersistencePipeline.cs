using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Hands messages to Kafka topic <c>chat-messages</c>, keyed by roomId so one room's messages share a partition and
/// stay in order. The producer is idempotent with acks=all: a retry after a lost acknowledgement never writes twice, and
/// a delivered record survives the loss of any in-sync replica.
/// </summary>
public sealed partial class KafkaPersistencePipeline : IPersistencePipeline, IDisposable
{
    // Errors of the record itself: retrying the same bytes can only fail the same way.
    private static readonly HashSet<ErrorCode> RecordErrors =
    [
        ErrorCode.MsgSizeTooLarge, ErrorCode.InvalidMsg, ErrorCode.InvalidMsgSize,
        ErrorCode.RecordListTooLarge, ErrorCode.InvalidRecord, ErrorCode.Local_BadMsg, ErrorCode.InvalidRequiredAcks,
    ];

    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly string _deadLetterTopic;
    private readonly TimeProvider _time;
    private readonly MessageTextCodec _codec;

    public KafkaPersistencePipeline(IOptions<ConnectionStringsOptions> connections, IOptions<KafkaOptions> options, TimeProvider time,
        MessageTextCodec codec, ILogger<KafkaPersistencePipeline> logger)
    {
        _codec = codec;
        _topic = options.Value.Topic;
        _deadLetterTopic = options.Value.DeadLetterTopic;
        _time = time;
        _producer = KafkaClientFactory.Producer(connections.Value.Kafka!, options.Value, logger);
    }

    public async Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default)
    {
        // ProduceAsync throws ProduceException when delivery fails or times out (DeliveryTimeout); the caller reports FAILED.
        // Cancelling only stops waiting: the record may still be delivered, and then it is stored as usual.
        await _producer.ProduceAsync(_topic, new Message<string, byte[]>
        {
            Key = KafkaClientFactory.RoomKey(message.RoomId),
            Value = PipelineRecord.Encode(message, _codec),
        }, cancellationToken);
    }

    public bool IsPermanent(Exception exception) => exception is KafkaException { Error.Code: var code } && RecordErrors.Contains(code);

    public async Task DeadLetterAsync(StoredMessage message, string reason, CancellationToken cancellationToken = default)
    {
        var headers = new Headers
        {
            { KafkaPersistenceWorker.ReasonHeader, System.Text.Encoding.UTF8.GetBytes(reason) },
            { KafkaPersistenceWorker.SourceHeader, "hand-off"u8.ToArray() },
            { KafkaPersistenceWorker.FailedAtHeader, System.Text.Encoding.UTF8.GetBytes(_time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture)) },
        };
        await _producer.ProduceAsync(_deadLetterTopic, new Message<string, byte[]>
        {
            Key = KafkaClientFactory.RoomKey(message.RoomId), Value = PipelineRecord.Encode(message, _codec), Headers = headers,
        }, cancellationToken);
    }

    public void Dispose()
    {
        // Whatever is still in flight gets a moment to be delivered; its callers are awaiting it.
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}

/// <summary>Creates the pipeline's topics at start when they are missing (idempotent: an existing topic is left alone).</summary>
public sealed partial class KafkaTopicInitializer(IOptions<ConnectionStringsOptions> connections, IOptions<KafkaOptions> options,
    ILogger<KafkaTopicInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = connections.Value.Kafka })
            .SetLogHandler((_, m) => KafkaClientFactory.Log(logger, m)).Build();
        // Look first, create only what is missing: an existing topic keeps its settings, and creating needs the
        // controller, which a restarted cluster may not have elected yet while it serves metadata already.
        var existing = admin.GetMetadata(TimeSpan.FromSeconds(30)).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .Select(t => t.Topic)
            .ToHashSet(StringComparer.Ordinal);
        var missing = new[] { o.Topic, o.DeadLetterTopic }
            .Where(name => !existing.Contains(name))
            .Select(name => new TopicSpecification { Name = name, NumPartitions = o.Partitions, ReplicationFactor = o.ReplicationFactor })
            .ToList();
        if (missing.Count == 0)
            return;
        try
        {
            await admin.CreateTopicsAsync(missing, new CreateTopicsOptions { OperationTimeout = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(30) });
            LogCreated(logger, string.Join(", ", missing.Select(t => t.Name)), o.Partitions, o.ReplicationFactor);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another instance starting at the same moment made them; its settings are the same as ours.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Kafka topics {Topics} ({Partitions} partitions, replication {Replication})")]
    private static partial void LogCreated(ILogger logger, string topics, int partitions, short replication);
}

internal static partial class KafkaClientFactory
{
    public static IProducer<string, byte[]> Producer(string bootstrapServers, KafkaOptions options, ILogger logger) =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = options.LingerMs,
            // Chat messages are small; lz4 packs a batch of them cheaply and cuts broker I/O.
            CompressionType = CompressionType.Lz4,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
        }).SetLogHandler((_, m) => Log(logger, m)).Build();

    public static string RoomKey(long roomId) => roomId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static long? RoomFromKey(string? key) =>
        long.TryParse(key, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var room) ? room : null;

    // librdkafka reports brokers coming and going at warning level; it recovers by itself, so they are informational here.
    public static void Log(ILogger logger, LogMessage message)
    {
        var level = message.Level <= SyslogLevel.Error ? LogLevel.Warning : LogLevel.Debug;
        LogClient(logger, level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(Message = "Kafka client {Client} [{Facility}]: {Text}")]
    private static partial void LogClient(ILogger logger, LogLevel level, string client, string facility, string text);
}
