using System.Globalization;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>Publishes to the shared bus stream and pings the readers, in one script so no reader misses the ping of an entry.</summary>
public sealed class RedisEventBus(IConnectionMultiplexer redis) : IEventBus
{
    /// <summary>Events per script call of <see cref="PublishManyAsync"/>: bounds one call's size and how long it holds Redis.</summary>
    private const int MaxEventsPerCall = 500;

    // ARGV: max length, then four values per event: destination, payload, user id, seq.
    private const string Script = """
        for i = 2, #ARGV, 4 do
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[i], 'p', ARGV[i + 1], 'u', ARGV[i + 2], 's', ARGV[i + 3])
        end
        redis.call('PUBLISH', KEYS[2], '1')
        return 1
        """;

    public ValueTask PublishAsync(BusEvent busEvent, CancellationToken cancellationToken = default) =>
        PublishManyAsync([busEvent], cancellationToken);

    public async ValueTask PublishManyAsync(IReadOnlyList<BusEvent> busEvents, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in busEvents.Chunk(MaxEventsPerCall))
        {
            RedisValue[] values = [RedisBusKeys.StreamLength, .. chunk.SelectMany(e => new RedisValue[]
            {
                e.Destination, e.Payload, e.UserId?.ToString(CultureInfo.InvariantCulture) ?? "", e.Seq?.ToString(CultureInfo.InvariantCulture) ?? "",
            })];
            await redis.GetDatabase().ScriptEvaluateAsync(Script, [RedisBusKeys.Stream, RedisBusKeys.Notify], values);
        }
    }
}
