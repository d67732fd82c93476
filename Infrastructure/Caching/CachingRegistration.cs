using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Caching;

public static class CachingRegistration
{
    /// <summary>
    /// The cache port: Redis when <c>ConnectionStrings:Redis</c> is set (its multiplexer is registered by
    /// <c>AddRedisOrInProcess</c>), so instances share entries and invalidations; in-process otherwise.
    /// </summary>
    public static IServiceCollection AddCache(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        if (connections.HasRedis)
            services.AddSingleton<ICache, RedisCache>();
        else
            services.AddSingleton<ICache, InMemoryCache>();
        return services;
    }
}
