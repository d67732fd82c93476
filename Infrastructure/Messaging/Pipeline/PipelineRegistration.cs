using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Pipeline;

public static class PipelineRegistration
{
    /// <summary>
    /// The persistence pipeline: Kafka when <c>ConnectionStrings:Kafka</c> is set, else the outbox in the embedded
    /// <c>messages.db</c>; and its worker, which writes through the registered <c>IMessageStore</c> and reports to every
    /// registered <see cref="IPersistenceObserver"/>.
    /// </summary>
    public static IServiceCollection AddPersistencePipeline(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        services.AddMessageEncryption();
        services.AddMetrics();
        services.AddOptions<HandOffOptions>().BindConfiguration(HandOffOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.SpillAfter > TimeSpan.Zero && o.ForwardRetryInterval > TimeSpan.Zero, "Shoot:Pipeline:SpillAfter and ForwardRetryInterval must be positive.")
            .ValidateOnStart();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<PersistenceHandOff>();
        services.AddSingleton(sp => new MessagesOnTheirWay(sp.GetService<PipelineSpill>()));
        services.AddSingleton<ISeqFloorSource>(sp => sp.GetRequiredService<MessagesOnTheirWay>());
        if (connections.HasKafka)
        {
            services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<IPersistencePipeline, KafkaPersistencePipeline>();
            // Hosted services start in order: the topics exist before the consumer subscribes.
            services.AddHostedService<KafkaTopicInitializer>();
            services.AddHostedService<KafkaPersistenceWorker>();
            services.AddSingleton<PipelineSpill>();
            services.AddHostedService<SpillForwarder>();
        }
        else
        {
            services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            // The outbox lives in messages.db (script 0002), migrated at start whichever store is configured.
            services.AddMessagesDatabase();
            services.AddSingleton<OutboxSignal>();
            services.AddSingleton<OutboxWriteGate>();
            services.AddSingleton<OutboxPersistencePipeline>();
            services.AddSingleton<ISeqFloorSource>(sp => sp.GetRequiredService<OutboxPersistencePipeline>());
            // The direct way needs the store in messages.db (SQLite); with MongoDB, messages go through the outbox.
            // Its worker is a hosted service either way, and idles when the outbox is chosen (nothing is ever queued).
            services.AddSingleton<DirectToStorePipeline>();
            services.AddHostedService(sp => sp.GetRequiredService<DirectToStorePipeline>());
            services.AddSingleton<IPersistencePipeline>(sp =>
                !connections.HasMongo && sp.GetRequiredService<IOptions<OutboxOptions>>().Value.StoreDirectly
                    ? sp.GetRequiredService<DirectToStorePipeline>()
                    : sp.GetRequiredService<OutboxPersistencePipeline>());
            // Also beside the direct pipeline: it drains rows an earlier run left in the outbox.
            services.AddHostedService<OutboxPersistenceWorker>();
        }
        // Registered last, so it stops first: hand-offs still waiting on shutdown are spilled while the spill is up.
        services.AddHostedService(sp => sp.GetRequiredService<PersistenceHandOff>());
        return services;
    }
}
