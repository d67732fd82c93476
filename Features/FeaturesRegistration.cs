using Shoot.Features.Auth;
using Shoot.Features.Common;
using Shoot.Features.Friends;
using Shoot.Features.Messages;
using Shoot.Features.Realtime;
using Shoot.Features.Rooms;
using Shoot.Features.Users;

using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Features;

public static class FeaturesRegistration
{
    /// <summary>Mediator (with validation in its pipeline), validators, Carter modules and the slices' shared services.</summary>
    public static IServiceCollection AddShootFeatures(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
            options.NotificationPublisherType = typeof(AfterCommitPublisher);
        });
        services.AddValidatorsFromAssemblyContaining<SignUp.Validator>(ServiceLifetime.Singleton, includeInternalTypes: true);
        // Validation runs in the Mediator pipeline; Carter's own validator scan would only duplicate it.
        var modules = typeof(FeaturesRegistration).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICarterModule).IsAssignableFrom(t))
            .ToArray();
        services.AddCarter(configurator: c => c.WithModules(modules).WithEmptyValidators());

        services.AddSingleton(_ => new PasswordHasher());
        services.AddSingleton<LoginLockout>();
        services.AddScoped<UserDirectory>();
        services.AddSingleton<Shoot.Infrastructure.Auth.IAccessTokenState, AccessTokenState>();
        services.AddScoped<RefreshTokenStore>();
        services.AddScoped<FriendshipStore>();
        services.AddScoped<RecommendationCache>();
        // The periodic precompute of active users' recommendations (docs/friends.md), one instance at a time.
        services.AddOptions<FriendRecommendationOptions>().BindConfiguration(FriendRecommendationOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RecommendationRefresher>();
        services.AddHostedService<RecommendationRefreshService>();
        // Stateless over the singleton database: usable from a STOMP session or a job without a request scope.
        services.AddSingleton<ParticipantCache>();
        services.AddSingleton<RoomMembership>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<AccessRevocation>();
        services.AddSingleton<Shoot.Infrastructure.Messaging.Bus.IBusSubscriber, AccessRevocationSubscriber>();
        services.AddMessagePartStores();
        services.AddSingleton<ReadPositions>();
        services.AddSingleton<ReadCountBroadcaster>();
        services.AddSingleton<ChangedMessageBroadcaster>();
        services.AddSingleton<IStompSendHandler, ReadSendHandler>();

        services.AddSingleton<SendStatusReporter>();
        services.AddSingleton<IPersistenceObserver, PersistenceStatusObserver>();
        services.AddSingleton<MessagePreviews>();
        services.AddSingleton<IPersistenceObserver>(sp => sp.GetRequiredService<MessagePreviews>());
        services.AddHostedService(sp => sp.GetRequiredService<MessagePreviews>());
        services.AddSingleton<UnreadCounts>();
        services.AddSingleton<Sse.RoomActivityStreams>();
        services.AddSingleton<Sse.RoomActivityAnnouncer>();
        services.AddSingleton<IPersistenceObserver>(sp => sp.GetRequiredService<Sse.RoomActivityAnnouncer>());
        services.AddHostedService(sp => sp.GetRequiredService<Sse.RoomActivityAnnouncer>());
        services.AddSingleton<IStompSendHandler, ChatSendHandler>();
        services.AddSingleton<IStompDestinationAuthorizer>(sp => new RoomTopicAuthorizer(sp.GetRequiredService<IServiceScopeFactory>(), MessageTopics.MessagesPrefix));
        services.AddSingleton<IStompDestinationAuthorizer>(sp => new RoomTopicAuthorizer(sp.GetRequiredService<IServiceScopeFactory>(), MessageTopics.StatusPrefix));
        services.AddSingleton<IStompSubscriptionListener, ResumeSubscription>();

        // Typing, active users and presence (issue 5): one instance each, as they hold this instance's sessions.
        services.AddSingleton<TypingIndicators>();
        services.AddSingleton<ActiveUsers>();
        services.AddSingleton<Presence>();
        services.AddSingleton<IStompSessionListener>(sp => sp.GetRequiredService<TypingIndicators>());
        services.AddSingleton<IStompSessionListener>(sp => sp.GetRequiredService<Presence>());
        services.AddSingleton<IStompSubscriptionListener>(sp => sp.GetRequiredService<ActiveUsers>());
        services.AddSingleton<IStompSendHandler, TypingSendHandler>();
        services.AddSingleton<IStompDestinationAuthorizer>(sp => new RoomTopicAuthorizer(sp.GetRequiredService<IServiceScopeFactory>(), RealtimeTopics.TypingPrefix));
        services.AddSingleton<IStompDestinationAuthorizer>(sp => new RoomTopicAuthorizer(sp.GetRequiredService<IServiceScopeFactory>(), RealtimeTopics.ActivePrefix));
        services.AddHostedService<RealtimeTimers>();

        // Scheduled messages: the jobs run in a scope of their own (Hangfire's activator), so these can be singletons.
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<ScheduleJobs>();
        services.AddHostedService<ScheduleSweepRegistration>();
        return services;
    }
}
