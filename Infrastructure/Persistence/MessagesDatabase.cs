using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Persistence;

/// <summary>
/// The embedded SQLite file <c>{Shoot:DataDirectory}/messages.db</c>: the SQLite message store and the embedded
/// persistence queue. Separate from the relational shoot.db, so message writes never wait for the relational write lock,
/// and so it serves whether users live in SQLite or PostgreSQL. Its schema is the script set
/// Persistence/Migrations/MessagesSqlite/ (0001 messages; every table of this file adds the next number there).
/// </summary>
public sealed class MessagesDatabase(SqliteDatabase sqlite)
{
    public const string FileName = "messages.db";
    public const string ScriptSet = "MessagesSqlite";

    public SqliteDatabase Sqlite { get; } = sqlite;

    public DatabaseMigrator Migrator(ILogger<DatabaseMigrator> logger) => new(Sqlite, ScriptSet, logger);
}

public static class MessagesDatabaseRegistration
{
    /// <summary>
    /// Registers messages.db and the hosted service that migrates it at start. Safe to call from every adapter that
    /// keeps data there (the SQLite message store, the embedded pipeline): it registers once.
    /// </summary>
    public static IServiceCollection AddMessagesDatabase(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var directory = sp.GetRequiredService<IOptions<ShootOptions>>().Value.ResolveDataDirectory();
            return new MessagesDatabase(new SqliteDatabase(Path.Combine(directory, MessagesDatabase.FileName)));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MessagesDatabaseMigration>());
        return services;
    }

    private sealed class MessagesDatabaseMigration(MessagesDatabase database, ILogger<DatabaseMigrator> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => database.Migrator(logger).MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
