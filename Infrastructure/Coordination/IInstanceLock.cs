namespace Shoot.Infrastructure.Coordination;

/// <summary>
/// A lock with an owner and an expiry, for periodic work that one instance at a time should do (precomputing friend
/// recommendations): whoever finds it held skips the round instead of waiting, and a holder that dies lets go when the
/// expiry passes. Scaled (Redis configured): <see cref="RedLockInstanceLock"/>, RedLock.net over the instance's Redis
/// connection. Embedded (one instance): <see cref="InProcessInstanceLock"/>.
/// </summary>
public interface IInstanceLock
{
    /// <summary>
    /// Takes <paramref name="resource"/> for at most <paramref name="expiry"/> (kept while held: the Redis adapter extends
    /// it as long as the holder is alive). <see cref="InstanceLockAttempt.Held"/> is released on dispose.
    /// </summary>
    Task<InstanceLockAttempt> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default);
}

/// <summary>Why an attempt did not take the lock.</summary>
public enum InstanceLockRefusal
{
    /// <summary>Taken.</summary>
    None,

    /// <summary>Another owner holds it: its round is running now.</summary>
    HeldElsewhere,

    /// <summary>The lock's store could not be reached (Redis down): nobody can tell who holds it.</summary>
    Unavailable,
}

/// <summary>An attempt at <see cref="IInstanceLock.TryAcquireAsync"/>: the lock (dispose to release) or why not.</summary>
public sealed class InstanceLockAttempt(InstanceLockRefusal refusal, IAsyncDisposable? held) : IAsyncDisposable
{
    public static InstanceLockAttempt Refused(InstanceLockRefusal refusal) => new(refusal, null);

    public InstanceLockRefusal Refusal { get; } = refusal;

    public bool Acquired => Refusal == InstanceLockRefusal.None;

    public ValueTask DisposeAsync() => held?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The embedded lock: one instance, so a set of the resources held in this process is the whole truth.</summary>
public sealed class InProcessInstanceLock : IInstanceLock
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);

    public Task<InstanceLockAttempt> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        lock (_held)
        {
            if (!_held.Add(resource))
                return Task.FromResult(InstanceLockAttempt.Refused(InstanceLockRefusal.HeldElsewhere));
        }
        return Task.FromResult(new InstanceLockAttempt(InstanceLockRefusal.None, new Release(() =>
        {
            lock (_held)
                _held.Remove(resource);
        })));
    }

    private sealed class Release(Action release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            release();
            return ValueTask.CompletedTask;
        }
    }
}
