using System.ComponentModel.DataAnnotations;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>How the persistence worker groups and retries writes; the same knobs for Kafka and the embedded outbox.</summary>
public abstract class PipelineWorkerOptions
{
    /// <summary>Most records written to the store in one batch: larger batches amortise the store's round trip and commit.</summary>
    [Range(1, 100_000)] public int BatchSize { get; set; } = 500;

    /// <summary>Retries of a batch the store refuses before each record is tried alone and the ones still refused are dead-lettered.</summary>
    [Range(0, 100)] public int RetryCount { get; set; } = 8;

    /// <summary>First retry delay; each next one doubles, up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before retry number <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan BackoffFor(int attempt)
    {
        var ticks = RetryBackoff.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        return ticks >= MaxRetryBackoff.Ticks ? MaxRetryBackoff : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>The Kafka adapter of the persistence pipeline (used when <c>ConnectionStrings:Kafka</c> is set).</summary>
public sealed class KafkaOptions : PipelineWorkerOptions
{
    public const string Section = "Shoot:Kafka";

    [Required] public string Topic { get; set; } = "chat-messages";

    /// <summary>Where records that cannot be stored go, with headers saying why; an operator can inspect and replay them.</summary>
    [Required] public string DeadLetterTopic { get; set; } = "chat-messages-dlq";

    /// <summary>Partitions of a topic created at start; they bound how many consumers store in parallel. An existing topic is left as it is.</summary>
    [Range(1, 10_000)] public int Partitions { get; set; } = 6;

    /// <summary>Replication of a topic created at start: 1 suits the single-broker compose stack; use 3 on a real cluster.</summary>
    [Range(1, 100)] public short ReplicationFactor { get; set; } = 1;

    [Required] public string ConsumerGroupId { get; set; } = "shoot-persistence";

    /// <summary>
    /// How long the group waits for a silent member (an instance that crashed) before handing its partitions to the
    /// others; their records wait that long to be stored. Kafka's default.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Longest a fetch waits on the broker for new records. Kafka answers as soon as records arrive, but a broker that
    /// waits out the window (librdkafka's mock cluster does) adds it to every SAVED; short costs only idle fetches.
    /// </summary>
    public TimeSpan FetchMaxWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the consumer waits to fill a batch once it has a first record; bounds the latency it adds to SAVED.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the producer keeps trying to deliver (brokers down, leader moving) before EnqueueAsync throws and the sender sees FAILED.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the producer waits to fill a batch: a few milliseconds buy much larger batches under load.</summary>
    [Range(0, 1000)] public int LingerMs { get; set; } = 5;
}

/// <summary>The embedded adapter: an outbox table in <c>messages.db</c> drained by an in-process worker.</summary>
public sealed class OutboxOptions : PipelineWorkerOptions
{
    public const string Section = "Shoot:Outbox";

    /// <summary>
    /// The worker is woken on every enqueue; this slow poll only catches rows it was not told about (left by a previous
    /// run, or written by another process on the same file).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With the SQLite message store, which lives in messages.db beside the outbox, messages skip the outbox and are
    /// stored straight away in group commits (<see cref="DirectToStorePipeline"/>): the same durability for about a
    /// third of the write work. False sends them through the outbox table as with the MongoDB store, which always does.
    /// </summary>
    public bool StoreDirectly { get; set; } = true;

    /// <summary>
    /// With <see cref="StoreDirectly"/>: how long the store writer lets more messages join a group after the first one
    /// before it commits (zero: commit what is waiting at once). Each commit has a fixed cost (the transaction, its WAL
    /// writes, and the rooms' lastMessage update in shoot.db), which at a few hundred messages a second otherwise falls
    /// on almost every message alone; a message is SAVED this much later in exchange. Statuses and deliveries to other
    /// members do not wait for it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01", ErrorMessage = "Shoot:Outbox:GroupWindow must be between 0 and 1 second.")]
    public TimeSpan GroupWindow { get; set; } = TimeSpan.FromMilliseconds(5);
}

/// <summary>
/// The hand-off between accepting a message and the pipeline (<c>Shoot:Pipeline</c>): its bounds are what a send is
/// refused with <c>UNAVAILABLE</c> at, before it is broadcast, instead of a session stalling or memory growing without end.
/// </summary>
public sealed class HandOffOptions
{
    public const string Section = "Shoot:Pipeline";

    /// <summary>
    /// Accepted messages whose hand-off has not finished (no delivery report yet, not spilled yet; embedded, not
    /// committed yet, which an unwritable messages.db prolongs). Each is held in
    /// memory until then, so this bounds memory and what a crash of the process could take with it.
    /// </summary>
    [Range(1, 10_000_000)] public int MaxInFlight { get; set; } = 10_000;

    /// <summary>Messages the local spill may hold while Kafka cannot take them; past it the disk would fill without end.</summary>
    [Range(1, 1_000_000_000)] public int MaxSpilled { get; set; } = 1_000_000;

    /// <summary>
    /// How long a hand-off waits for Kafka's delivery report before writing the message to the durable spill. Short:
    /// until then the message lives only in this process's memory.
    /// </summary>
    public TimeSpan SpillAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The pause between attempts to forward spilled messages while Kafka still refuses them.</summary>
    public TimeSpan ForwardRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Spilled messages forwarded to Kafka per round.</summary>
    [Range(1, 100_000)] public int ForwardBatchSize { get; set; } = 500;

    /// <summary>What a refused client is told to wait (the Retry-After of an UNAVAILABLE refusal).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
