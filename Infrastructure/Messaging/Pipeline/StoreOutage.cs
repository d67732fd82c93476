using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using MongoDB.Driver;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Tells a store that is down (unreachable, timing out, out of disk, locked) from a store that refuses a record. An
/// outage is waited out — the worker pauses, commits nothing and tries again — and never dead-letters anything; only
/// a refusal of the record itself costs that record a dead letter.
/// </summary>
public static class StoreOutage
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_PROTOCOL: the file, not the row.
    private static readonly HashSet<int> SqliteOutageCodes = [5, 6, 10, 13, 14, 15];

    public static bool Is(Exception exception) => exception switch
    {
        MongoConnectionException or MongoExecutionTimeoutException or MongoNotPrimaryException or MongoNodeIsRecoveringException
            or MongoWaitQueueFullException or MongoIncompatibleDriverException => true,
        SqliteException sqlite => SqliteOutageCodes.Contains(sqlite.SqliteErrorCode),
        DbException { IsTransient: true } or TimeoutException or IOException or SocketException => true,
        _ => exception.InnerException is { } inner && Is(inner),
    };
}

/// <summary>The store was down for the whole retry budget: the batch is not finished and nothing of it is committed.</summary>
public sealed class StoreUnavailableException(Exception cause)
    : Exception($"The message store is unavailable: {cause.Message}", cause);

/// <summary>
/// A backend an observer needs (the Redis that carries the statuses, the database) was down while the pipeline told it
/// of a batch: the worker treats the batch as not done, pauses and delivers it again (see PersistenceBatchProcessor).
/// </summary>
public sealed class ObserverUnavailableException(string observer, Exception cause)
    : Exception($"{observer} could not be told of the batch: {cause.Message}", cause);
