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

    /// <summary>
    /// Whether <see cref="EnqueueAsync"/> failed for good (the record can never be taken, say it is too large), as
    /// opposed to an outage that waiting fixes. A permanent failure is dead-lettered and reported FAILED; anything else
    /// is kept and tried again.
    /// </summary>
    bool IsPermanent(Exception exception);

    /// <summary>
    /// Whether the hand-over is the store's write itself (<see cref="DirectToStorePipeline"/>): by the time
    /// <see cref="EnqueueAsync"/> completes, observers have heard PROCESSING (which proves the hand-over, see
    /// <see cref="IPersistenceObserver.OnProcessingAsync"/>) and SAVED, so the hand-off tells them nothing more.
    /// </summary>
    bool StoresOnHandOver => false;

    /// <summary>Keeps a record that can never be handed over where an operator finds it (the dead-letter topic or table).</summary>
    Task DeadLetterAsync(StoredMessage message, string reason, CancellationToken cancellationToken = default);
}

/// <summary>
/// What the consuming side reports, so features can tell senders (statuses on /topic/message/status/{roomId}) and keep
/// rooms current. Infrastructure never calls features directly: they register observers. Observers must not throw
/// for one bad message; an exception is logged and does not stop the pipeline.
/// </summary>
public interface IPersistenceObserver
{
    /// <summary>
    /// The message is durably handed over (status SENT_TO_KAFKA): the broker acknowledged it, or the outbox row is
    /// committed. Reported by the hand-off, off the sender's session; a message that waited in the spill is reported
    /// when it is forwarded.
    /// </summary>
    ValueTask OnHandedOverAsync(StoredMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// The consumer has taken these messages and is about to store them (status PROCESSING); which also proves they
    /// were handed over, so an observer that reports SENT_TO_KAFKA reports it here too if it has not yet.
    /// </summary>
    ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Stored (status SAVED). Called before the consumer commits its position, once per delivery of a record: a record
    /// delivered again (after a crash, a rebalance or a broker outage) is reported again, so observers must tolerate repeats.
    /// </summary>
    ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Given up and moved to the dead-letter topic/table (status FAILED): the store kept refusing it after the retries,
    /// or the record could not be read at all. For an unreadable record, <paramref name="message"/> carries only what
    /// could be salvaged (id, roomId, seq, senderId, tempId where they were readable; empty or 0 otherwise).
    /// </summary>
    ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken cancellationToken);
}
