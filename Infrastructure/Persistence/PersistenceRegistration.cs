using Npgsql;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Persistence;

public static class PersistenceRegistration
{
    /// <summary>The relational port: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, else SQLite under the data directory.</summary>
    public static IServiceCollection AddRelationalDatabase(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        // Columns are snake_case, C# properties PascalCase.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        if (connections.HasPostgres)
        {
            services.AddSingleton<ISqlDatabase>(_ => new PostgresDatabase(NpgsqlDataSource.Create(connections.Postgres!)));
        }
        else
        {
            services.AddSingleton<ISqlDatabase>(sp =>
            {
                var directory = sp.GetRequiredService<IOptions<ShootOptions>>().Value.ResolveDataDirectory();
                return new SqliteDatabase(Path.Combine(directory, "shoot.db"));
            });
        }
        services.AddHostedService<DatabaseMigrator>();
        return services;
    }
}
