using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Console;

namespace Shoot.Api;

/// <summary>
/// Keeps access tokens out of the log. Browsers pass them as <c>?token=</c> (WebSocket handshake, EventSource), and
/// ASP.NET Core's request logs print the query string; whoever reads the log could then act as that user for an hour.
/// Wraps the console provider: any log whose values hold <c>token=…</c> is written with the value replaced.
/// </summary>
public sealed partial class TokenRedactingLoggerProvider(ILoggerProvider inner) : ILoggerProvider
{
    public const string Redacted = "[REDACTED]";

    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void Dispose() => inner.Dispose();

    /// <summary>Replaces the console provider the JSON console registered with this wrapper around it.</summary>
    public static void Install(IServiceCollection services)
    {
        var console = services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        services.Remove(console);
        services.AddSingleton<ConsoleLoggerProvider>();
        services.AddSingleton<ILoggerProvider>(sp => new TokenRedactingLoggerProvider(sp.GetRequiredService<ConsoleLoggerProvider>()));
    }

    public static string Redact(string text) => TokenValue().Replace(text, Redacted);

    [GeneratedRegex(@"(?<=[?&]token=)[^&\s""]+", RegexOptions.IgnoreCase)]
    private static partial Regex TokenValue();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Only logs whose values carry a token pay for the copy; every other log passes through untouched.
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values || !values.Any(HoldsToken))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var redacted = new RedactedState(
                values.Select(v => HoldsToken(v) ? new KeyValuePair<string, object?>(v.Key, Redact(v.Value!.ToString()!)) : v).ToList(),
                Redact(formatter(state, exception)));
            inner.Log(logLevel, eventId, redacted, exception, static (s, _) => s.Message);
        }

        // Text values only (a number never holds a token), so the check allocates nothing.
        private static bool HoldsToken(KeyValuePair<string, object?> value) =>
            value.Key != "{OriginalFormat}"
            && (value.Value is string text ? text : value.Value is QueryString or Uri ? value.Value.ToString() : null) is { } candidate
            && candidate.Contains("token=", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class RedactedState(List<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
