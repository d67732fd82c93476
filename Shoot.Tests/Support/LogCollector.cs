using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shoot.Tests.Support;

/// <summary>One structured log entry: category, event name, the formatted text and its named values.</summary>
public sealed record CollectedLog(string Category, string EventName, string Text, IReadOnlyDictionary<string, string?> Values);

/// <summary>A logger provider that keeps every entry of the categories it is given, for tests of what the server logs.</summary>
public sealed class LogCollector(params string[] categories) : ILoggerProvider
{
    public ConcurrentQueue<CollectedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => owner.Wants(category);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!owner.Wants(category))
                return;
            var values = (state as IEnumerable<KeyValuePair<string, object?>>)?
                .ToDictionary(kv => kv.Key, kv => kv.Value?.ToString()) ?? [];
            owner.Entries.Enqueue(new CollectedLog(category, eventId.Name ?? "", formatter(state, exception), values));
        }
    }

    private bool Wants(string category) => categories.Contains(category);
}
