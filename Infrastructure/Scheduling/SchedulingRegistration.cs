using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Npgsql;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Scheduling;

public static class SchedulingRegistration
{
    /// <summary>
    /// Hangfire for delayed jobs, with a server in every instance: on PostgreSQL (schema <c>hangfire</c> of the same
    /// database) when it is configured, so any instance may run any job; else on <c>hangfire.db</c> in the data
    /// directory, so jobs survive a restart. No dashboard is mapped.
    /// </summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services, ConnectionStringsOptions connections)
    {
        services.AddOptions<ScheduleOptions>().BindConfiguration(ScheduleOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(100) && o.PollInterval <= TimeSpan.FromMinutes(5),
                "Shoot:Schedule:PollInterval must be between 100 ms and 5 minutes.")
            .Validate(o => o.PastGrace >= TimeSpan.Zero && o.PastGrace <= TimeSpan.FromMinutes(5),
                "Shoot:Schedule:PastGrace must be between 0 and 5 minutes.")
            .ValidateOnStart();

        // The storage is this container's own singleton, registered before AddHangfire (which only adds one when none
        // is): Hangfire's default is the static JobStorage.Current, which two hosts in one process would share.
        // Hangfire's connections come from a data source the container owns, so a stopped host closes them (a plain
        // connection string would leave them in Npgsql's process-wide pool).
        if (connections.HasPostgres)
            services.AddKeyedSingleton(HangfireKey, (_, _) => NpgsqlDataSource.Create(connections.Postgres!));
        services.AddSingleton<JobStorage>(sp =>
        {
            var poll = sp.GetRequiredService<IOptions<ScheduleOptions>>().Value.PollInterval;
            if (connections.HasPostgres)
            {
                var options = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true, QueuePollInterval = poll };
                return new PostgreSqlStorage(new DataSourceConnections(sp.GetRequiredKeyedService<NpgsqlDataSource>(HangfireKey)), options);
            }
            var directory = sp.GetRequiredService<IOptions<ShootOptions>>().Value.ResolveDataDirectory();
            return new SQLiteStorage(Path.Combine(directory, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = poll });
        });
        // Jobs are created in a scope of this container: Hangfire's default activator is process-wide too.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, configuration) => configuration
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, server) =>
        {
            var options = sp.GetRequiredService<IOptions<ScheduleOptions>>().Value;
            server.SchedulePollingInterval = options.PollInterval;
            server.WorkerCount = options.WorkerCount;
            // A stopping instance hands unfinished jobs back to storage for another (or the next) server.
            server.ShutdownTimeout = TimeSpan.FromSeconds(5);
            server.ServerName = $"shoot-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        });
        return services;
    }

    private const string HangfireKey = "hangfire";

    private sealed class DataSourceConnections(NpgsqlDataSource source) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => source.CreateConnection();
    }
}
