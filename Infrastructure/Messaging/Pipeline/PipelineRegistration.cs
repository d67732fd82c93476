using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Persistence;

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
        if (connections.HasKafka)
        {
            services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<IPersistencePipeline, KafkaPersistencePipeline>();
            // Hosted services start in order: the topics exist before the consumer subscribes.
            services.AddHostedService<KafkaTopicInitializer>();
            services.AddHostedService<KafkaPersistenceWorker>();
        }
        else
        {
            services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            // The outbox lives in messages.db (script 0002), migrated at start whichever store is configured.
            services.AddMessagesDatabase();
            services.AddSingleton<OutboxSignal>();
            services.AddSingleton<IPersistencePipeline, OutboxPersistencePipeline>();
            services.AddHostedService<OutboxPersistenceWorker>();
        }
        return services;
    }
}
