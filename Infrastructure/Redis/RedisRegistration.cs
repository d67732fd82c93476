using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Coordination;
using Shoot.Infrastructure.Messaging.Reads;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.RateLimiting;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Redis;

public static class RedisRegistration
{
    /// <summary>Redis-backed adapters when <c>ConnectionStrings:Redis</c> is set; in-process ones otherwise.</summary>
    public static IServiceCollection AddRedisOrInProcess(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        if (connections.HasRedis)
        {
            services.AddSingleton<IConnectionMultiplexer>(_ =>
            {
                var options = ConfigurationOptions.Parse(connections.Redis!);
                // Keep retrying in the background rather than failing the first caller while Redis restarts.
                options.AbortOnConnectFail = false;
                // While Redis is unreachable a command fails at once (a send is refused with UNAVAILABLE) instead of
                // waiting in a backlog for up to the timeout and perhaps running long after its caller gave up.
                options.BacklogPolicy = BacklogPolicy.FailFast;
                return ConnectionMultiplexer.Connect(options);
            });
            services.AddSingleton<ICounterStore, RedisCounterStore>();
            services.AddSingleton<IExpiringSetStore, RedisExpiringSetStore>();
            services.AddSingleton<IReadSpanWindow, RedisReadSpanWindow>();
            services.AddSingleton<ITurnGate, RedisTurnGate>();
            services.AddSingleton<IInstanceLock, RedLockInstanceLock>();
        }
        else
        {
            services.AddSingleton<ICounterStore, InMemoryCounterStore>();
            services.AddSingleton<IExpiringSetStore, InMemoryExpiringSetStore>();
            services.AddSingleton<IReadSpanWindow, InProcessReadSpanWindow>();
            services.AddSingleton<ITurnGate, InProcessTurnGate>();
            services.AddSingleton<IInstanceLock, InProcessInstanceLock>();
        }
        return services;
    }
}
