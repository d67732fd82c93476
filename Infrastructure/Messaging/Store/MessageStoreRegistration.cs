using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;

namespace Shoot.Infrastructure.Messaging.Store;

public static class MessageStoreRegistration
{
    /// <summary>
    /// The message store: MongoDB when <c>ConnectionStrings:Mongo</c> is set (indexes created at start), else SQLite in
    /// messages.db under the data directory (migrated at start). With <c>Shoot:Encryption</c> keys, either one behind
    /// <see cref="EncryptingMessageStore"/>.
    /// </summary>
    public static IServiceCollection AddMessageStore(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        services.AddMessageEncryption();
        if (connections.HasMongo)
        {
            var url = MongoUrl.Create(connections.Mongo);
            services.TryAddSingleton<IMongoClient>(_ => new MongoClient(url));
            services.AddSingleton(sp => MongoMessageStore.Create(sp.GetRequiredService<IMongoClient>(), url));
            services.AddSingleton(sp => EncryptingMessageStore.Over(sp.GetRequiredService<MongoMessageStore>(), sp));
            services.AddHostedService(sp => new MessageStoreStartup(
                sp.GetRequiredService<MongoMessageStore>().EnsureIndexesAsync,
                sp.GetRequiredService<MongoMessageStore>().Description,
                sp.GetRequiredService<ILogger<MessageStoreStartup>>()));
        }
        else
        {
            // messages.db is migrated by its own hosted service, registered here first so it runs first.
            services.AddMessagesDatabase();
            services.AddSingleton<SqliteMessageStore>();
            services.AddSingleton(sp => EncryptingMessageStore.Over(sp.GetRequiredService<SqliteMessageStore>(), sp));
            services.AddHostedService(sp => new MessageStoreStartup(
                _ => Task.CompletedTask,
                sp.GetRequiredService<SqliteMessageStore>().Description,
                sp.GetRequiredService<ILogger<MessageStoreStartup>>()));
        }
        return services;
    }
}

/// <summary>Prepares the chosen store before the host serves (index creation for MongoDB) and says in the log where messages live.</summary>
internal sealed partial class MessageStoreStartup(Func<CancellationToken, Task> prepare, string description, ILogger<MessageStoreStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await prepare(cancellationToken);
        LogReady(logger, description);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Message store ready: {Description}")]
    private static partial void LogReady(ILogger logger, string description);
}
