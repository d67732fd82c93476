using Microsoft.Extensions.Hosting;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Unread;
using Shoot.Infrastructure.Sse;

namespace Shoot.Infrastructure.Messaging.Bus;

public static class BusRegistration
{
    /// <summary>The bus, the sequencer and the unread ledger: Redis when <c>ConnectionStrings:Redis</c> is set, in-process otherwise. Needs the message store (for seq floors).</summary>
    public static IServiceCollection AddBus(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        services.AddSingleton<BusDispatcher>();
        services.AddSingleton<IBusSubscriber, StompBusForwarder>();
        services.AddOptions<SseOptions>().BindConfiguration(SseOptions.Section)
            .Validate(o => o.PingInterval > TimeSpan.Zero, "Shoot:Sse:PingInterval must be positive.").ValidateOnStart();
        services.AddSingleton<SseHub>();
        services.AddSingleton<SseListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<SseListeners>());
        services.AddSingleton<SsePublisher>();
        services.AddSingleton<IBusSubscriber, SseBusSubscriber>();
        if (connections.HasRedis)
        {
            services.AddSingleton<IEventBus, RedisEventBus>();
            services.AddSingleton<IMessageSequencer, RedisMessageSequencer>();
            services.AddSingleton<IUnreadLedger, RedisUnreadLedger>();
            services.AddSingleton<RedisBusReader>();
            services.AddHostedService(sp => sp.GetRequiredService<RedisBusReader>());
        }
        else
        {
            services.AddSingleton<InProcessEventBus>();
            services.AddSingleton<IEventBus>(sp => sp.GetRequiredService<InProcessEventBus>());
            services.AddSingleton<InProcessMessageSequencer>();
            services.AddSingleton<IMessageSequencer>(sp => sp.GetRequiredService<InProcessMessageSequencer>());
            // After the message store's own start (its migration or indexes, registered before this), so the sends stored
            // before a restart are likely loaded by the time clients reconnect and retry.
            services.AddHostedService<StoredSendsLoading>();
            services.AddSingleton<IUnreadLedger, InProcessUnreadLedger>();
        }
        return services;
    }

    /// <summary>
    /// Starts loading which sends are stored (<see cref="StoredSends"/>) without waiting for it; at a graceful stop writes
    /// them to the data directory for the next start. Hosted services stop in reverse order, so the persistence pipeline
    /// (registered after the bus) has stopped and told its last SAVED by then.
    /// </summary>
    private sealed class StoredSendsLoading(InProcessMessageSequencer sequencer) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            sequencer.StoredSends.StartLoading();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            sequencer.StoredSends.WriteSnapshot();
            return Task.CompletedTask;
        }
    }
}
