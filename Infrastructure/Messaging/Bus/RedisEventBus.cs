using System.Globalization;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>Publishes to the shared bus stream and pings the readers, in one script so no reader misses the ping of an entry.</summary>
public sealed class RedisEventBus(IConnectionMultiplexer redis) : IEventBus
{
    private static readonly LuaScript Script = LuaScript.Prepare("""
        redis.call('XADD', @stream, 'MAXLEN', '~', @maxLength, '*', 'd', @destination, 'p', @payload, 'u', @userId, 's', @seq)
        redis.call('PUBLISH', @notify, '1')
        return 1
        """);

    public async ValueTask PublishAsync(BusEvent busEvent, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().ScriptEvaluateAsync(Script, new
        {
            stream = (RedisKey)RedisBusKeys.Stream,
            notify = (RedisKey)RedisBusKeys.Notify,
            maxLength = RedisBusKeys.StreamLength,
            destination = busEvent.Destination,
            payload = busEvent.Payload,
            userId = busEvent.UserId?.ToString(CultureInfo.InvariantCulture) ?? "",
            seq = busEvent.Seq?.ToString(CultureInfo.InvariantCulture) ?? "",
        });
}
