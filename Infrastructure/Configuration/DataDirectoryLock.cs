using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Configuration;

/// <summary>
/// Without Redis the bus is in-process, so two instances on one data directory would share the SQLite files but not
/// each other's messages: clients on one would miss what the other accepts. The first instance holds an exclusive lock
/// on <c>instance.lock</c> in the data directory; a second one fails at start saying what to set. With Redis, instances
/// may share a directory (same host), and nothing is locked.
/// The lock is taken while services are registered, like the connection strings are checked, so the refusal is the
/// first thing that fails and always reaches the operator as itself.
/// </summary>
public sealed class DataDirectoryLock : IHostedService, IDisposable
{
    private FileStream? _lock;

    private DataDirectoryLock(FileStream? held) => _lock = held;

    public static DataDirectoryLock Acquire(string directory, ConnectionStringsOptions connections)
    {
        if (connections.HasRedis)
            return new DataDirectoryLock(null);
        Directory.CreateDirectory(directory);
        try
        {
            return new DataDirectoryLock(new FileStream(Path.Combine(directory, "instance.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new OptionsValidationException(ShootOptions.Section, typeof(ShootOptions),
            [
                $"Another Shoot instance is using Shoot:DataDirectory ({directory}) without ConnectionStrings:Redis. " +
                "Give each instance its own data directory, or set ConnectionStrings:Redis (and ConnectionStrings:Postgres) so instances share one bus.",
            ]);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Released when the host stops (and when the container disposes it), so a restarted instance can take it.</summary>
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
}

/// <summary>Warns at start when messages stay on this host although the other settings suggest several instances.</summary>
public sealed partial class LocalMessagesWarning(IOptions<ShootOptions> shoot, IOptions<ConnectionStringsOptions> connections, ILogger<LocalMessagesWarning> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var c = connections.Value;
        if (!c.HasMongo && (c.HasRedis || c.HasKafka))
            LogLocalMessages(logger, shoot.Value.ResolveDataDirectory());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Messages are kept in SQLite under {DataDirectory}: instances on other hosts will not see them. Set ConnectionStrings:Mongo to share messages between hosts.")]
    private static partial void LogLocalMessages(ILogger logger, string dataDirectory);
}
