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
            // Reading the options value runs their validation first, so a bad string fails with the setting's name.
            services.AddSingleton<ISqlDatabase>(sp => new PostgresDatabase(
                NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<ConnectionStringsOptions>>().Value.Postgres!)));
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
