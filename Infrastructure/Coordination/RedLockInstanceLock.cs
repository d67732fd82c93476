using Microsoft.Extensions.Logging;
using RedLockNet;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Coordination;

/// <summary>
/// <see cref="IInstanceLock"/> on Redis with RedLock.net, over the instance's one Redis connection. The key
/// (<c>redlock:{resource}</c>) holds the owner's random id and expires; only that owner's release deletes it, and while
/// the owner is alive RedLock.net extends the expiry before it runs out, so a long round keeps its lock and a crashed
/// instance's lock lapses. With one Redis the quorum is that one server: RedLock's algorithm for several independent
/// masters is not what is used here, only its owner-and-expiry lock.
/// </summary>
public sealed class RedLockInstanceLock : IInstanceLock, IDisposable
{
    private readonly RedLockFactory _factory;

    public RedLockInstanceLock(IConnectionMultiplexer redis, ILoggerFactory loggerFactory) =>
        // One attempt: a round that finds the lock taken skips, it does not queue behind the holder.
        _factory = RedLockFactory.Create([new RedLockMultiplexer(redis)], new RedLockRetryConfiguration(retryCount: 1), loggerFactory);

    public async Task<InstanceLockAttempt> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var redLock = await _factory.CreateLockAsync(resource, expiry);
        if (redLock.IsAcquired)
            return new InstanceLockAttempt(InstanceLockRefusal.None, redLock);
        var status = redLock.Status;
        await redLock.DisposeAsync();
        // Conflicted: the key exists, so another owner holds it. NoQuorum: the server did not answer (an error, not a refusal).
        return InstanceLockAttempt.Refused(status == RedLockStatus.Conflicted ? InstanceLockRefusal.HeldElsewhere : InstanceLockRefusal.Unavailable);
    }

    // The factory was handed the connection, so it does not close it; this only stops its timers.
    public void Dispose() => _factory.Dispose();
}
