using System.Data.Common;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// Failures that mean "a backend this request needs is down right now", which the client is told as UNAVAILABLE (retry
/// later; on STOMP with the same tempId) rather than INTERNAL. Redis is connected with a fail-fast backlog, so while it
/// is unreachable a command fails at once with <see cref="RedisConnectionException"/> instead of queueing. MongoDB's
/// driver throws <see cref="TimeoutException"/> when it finds no server to send to (server selection), and
/// <see cref="MongoConnectionException"/> when a connection breaks. The embedded sequencer throws
/// <see cref="TimeoutException"/> too while it cannot yet tell a new send from a retry (its stored sends still loading).
/// </summary>
public static class BackendOutage
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public static bool Is(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        MongoConnectionException or TimeoutException => true,
        DbException { IsTransient: true } => true,
        AggregateException { InnerExceptions: [var single] } => Is(single),
        _ => false,
    };

    public static ShootException ToRefusal() =>
        ShootException.Unavailable(RetryAfter, "A backend this server needs is unreachable right now; retry (with the same tempId).");
}
