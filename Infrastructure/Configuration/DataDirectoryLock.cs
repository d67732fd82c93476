using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Configuration;

/// <summary>
/// Without Redis the bus is in-process, so two instances on one data directory would share the SQLite files but not
/// each other's messages: clients on one would miss what the other accepts. The first instance holds an exclusive lock
/// on <c>instance.lock</c> in the data directory; a second one fails at start saying what to set. With Redis, instances
/// may share a directory (same host), and nothing is locked.
/// </summary>
public sealed partial class DataDirectoryLock(IOptions<ShootOptions> shoot, IOptions<ConnectionStringsOptions> connections, ILogger<DataDirectoryLock> logger)
    : IHostedService, IDisposable
{
    private FileStream? _lock;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var c = connections.Value;
        if (!c.HasMongo && (c.HasRedis || c.HasKafka))
            LogLocalMessages(logger, shoot.Value.ResolveDataDirectory());
        if (c.HasRedis)
            return Task.CompletedTask;
        var directory = shoot.Value.ResolveDataDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            _lock = new FileStream(Path.Combine(directory, "instance.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new OptionsValidationException(ShootOptions.Section, typeof(ShootOptions),
            [
                $"Another Shoot instance is using Shoot:DataDirectory ({directory}) without ConnectionStrings:Redis. " +
                "Give each instance its own data directory, or set ConnectionStrings:Redis (and ConnectionStrings:Postgres) so instances share one bus.",
            ]);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Messages are kept in SQLite under {DataDirectory}: instances on other hosts will not see them. Set ConnectionStrings:Mongo to share messages between hosts.")]
    private static partial void LogLocalMessages(ILogger logger, string dataDirectory);
}
