using Shoot.Infrastructure.Messaging.Store;

namespace Shoot.Features.Messages;

/// <summary>
/// The stores of the parts of a message that one feature changes (pins, reactions, URL previews). They live in their
/// feature's folder but write the same table or collection as the message store, so each follows the backend the
/// message store chose (<see cref="MessageStoreRegistration.AddMessageStore"/>): MongoDB when it registered
/// <see cref="MongoMessageStore"/>, else SQLite.
/// </summary>
public static class MessagePartStores
{
    public static IServiceCollection AddMessagePartStores(this IServiceCollection services)
    {
        services.AddOnMessageStore<IPinStore>(sqlite => new SqlitePinStore(sqlite), mongo => new MongoPinStore(mongo),
            (store, seal) => new EncryptingPinStore(store, seal));
        services.AddOnMessageStore<IReactionStore>(sqlite => new SqliteReactionStore(sqlite), mongo => new MongoReactionStore(mongo),
            (store, seal) => new EncryptingReactionStore(store, seal));
        services.AddOnMessageStore<IUrlPreviewStore>(sqlite => new SqliteUrlPreviewStore(sqlite), mongo => new MongoUrlPreviewStore(mongo),
            (store, seal) => new EncryptingUrlPreviewStore(store, seal));
        return services;
    }

    /// <summary>
    /// The store on the message store's backend; with encryption at rest on (the message store is then
    /// <see cref="EncryptingMessageStore"/>), behind <paramref name="encrypted"/>, which opens the texts it reads.
    /// </summary>
    private static void AddOnMessageStore<TStore>(
        this IServiceCollection services, Func<SqliteMessageStore, TStore> sqlite, Func<MongoMessageStore, TStore> mongo,
        Func<TStore, EncryptingMessageStore, TStore> encrypted)
        where TStore : class =>
        services.AddSingleton(sp =>
        {
            var store = sp.GetService<MongoMessageStore>() is { } onMongo ? mongo(onMongo) : sqlite(sp.GetRequiredService<SqliteMessageStore>());
            return sp.GetRequiredService<IMessageStore>() is EncryptingMessageStore seal ? encrypted(store, seal) : store;
        });
}
