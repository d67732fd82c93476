using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace Shoot.Infrastructure.Scheduling;

/// <summary>
/// Hangfire's logging into the app's, like Hangfire's own AspNetCoreLogProvider, but safe when its LoggerFactory is
/// gone. Hangfire's log provider is process-wide (the last host to start sets it) and its components keep the loggers
/// they got, so in a process that hosts several Shoot instances one after another (the tests) a running instance
/// would otherwise log into a stopped instance's disposed factory, and fail on it.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name) => new SafeLog(_inner, name);

    private sealed class SafeLog(AspNetCoreLogProvider provider, string name) : ILog
    {
        private ILog? _log;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                _log ??= provider.GetLogger(name);
                return _log.Log(logLevel, messageFunc!, exception!);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
