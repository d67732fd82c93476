namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The durable hand-over between accepting a message and storing it: Kafka topic <c>chat-messages</c> keyed by roomId
/// when <c>ConnectionStrings:Kafka</c> is set, otherwise an embedded queue with the same guarantees (a table in the
/// embedded SQLite file, so a crash loses nothing that was handed over).
/// </summary>
public interface IPersistencePipeline
{
    /// <summary>Completes once the message is durably handed over (Kafka: acknowledged by all in-sync replicas). Throws when it cannot be.</summary>
    Task EnqueueAsync(StoredMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// What the consuming side reports, so features can tell senders (statuses on /topic/message/status/{roomId}) and keep
/// rooms current. Infrastructure never calls features directly: they register observers. Observers must not throw
/// for one bad message; an exception is logged and does not stop the pipeline.
/// </summary>
public interface IPersistenceObserver
{
    /// <summary>The consumer has taken these messages and is about to store them (status PROCESSING).</summary>
    ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken);

    /// <summary>Stored (status SAVED). Called before the consumer commits its position, once per delivery of a record.</summary>
    ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken);

    /// <summary>Given up after retries and moved to the dead-letter topic/table (status FAILED).</summary>
    ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken cancellationToken);
}
