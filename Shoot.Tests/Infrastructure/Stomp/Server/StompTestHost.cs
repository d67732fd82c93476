using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>A real Kestrel host on a free loopback port running AddStomp/MapStomp, with test features plugged in.</summary>
internal sealed class StompTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StompTestHost(WebApplication app, Uri uri, ConcurrentQueue<string> serverErrors)
    {
        _app = app;
        Uri = uri;
        ServerErrors = serverErrors;
    }

    public Uri Uri { get; }

    /// <summary>Error-level log entries (unexpected exceptions in the server); tests assert there are none.</summary>
    public IReadOnlyCollection<string> ServerErrors { get; }

    public TestJwtAuthenticator Jwt => _app.Services.GetRequiredService<TestJwtAuthenticator>();

    public IStompBroker Broker => _app.Services.GetRequiredService<IStompBroker>();

    public RecordingListener Events => _app.Services.GetRequiredService<RecordingListener>();

    public static async Task<StompTestHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // From a URL, as a deployment binds: Kestrel's endpoint defaults (the direct WebSocket path) apply to it.
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings?.ToDictionary(s => StompOptions.Section + ":" + s.Key, s => s.Value) ?? []);
        builder.Logging.ClearProviders();
        var errors = new ConcurrentQueue<string>();
        builder.Logging.AddProvider(new ErrorCollector(errors));
        builder.Services.AddStomp(builder.Configuration);
        builder.Services.AddSingleton<TestJwtAuthenticator>();
        builder.Services.AddSingleton<IStompAuthenticator>(sp => sp.GetRequiredService<TestJwtAuthenticator>());
        builder.Services.AddSingleton<IStompDestinationAuthorizer, TopicAuthorizer>();
        builder.Services.AddStompRelay("/topic/");
        builder.Services.AddSingleton<IStompSendHandler, ThrowingHandler>();
        builder.Services.AddSingleton<IStompSendHandler, SlowHandler>();
        builder.Services.AddSingleton<RecordingListener>();
        builder.Services.AddSingleton<IStompSubscriptionListener>(sp => sp.GetRequiredService<RecordingListener>());
        builder.Services.AddSingleton<IStompSessionListener>(sp => sp.GetRequiredService<RecordingListener>());
        var app = builder.Build();
        app.MapStomp("/ws/chat");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new StompTestHost(app, new Uri(address.Replace("http://", "ws://") + "/ws/chat"), errors);
    }

    public Task StopAsync() => _app.StopAsync();

    /// <summary>Polls a condition the server reaches asynchronously (e.g. session cleanup); fails the test after 10 s.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), "Timed out waiting for: " + what);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Allows /topic/… except /topic/forbidden/…, which it refuses with a code the tests look for.</summary>
internal sealed class TopicAuthorizer : IStompDestinationAuthorizer
{
    public string DestinationPrefix => "/topic/";

    public ValueTask<StompRefusal?> AuthorizeSubscribeAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken) =>
        ValueTask.FromResult(destination.StartsWith("/topic/forbidden", StringComparison.Ordinal)
            ? new StompRefusal("FORBIDDEN", "Not a member", frame["x-temp-id"])
            : null);

    public ValueTask<StompRefusal?> AuthorizeSendAsync(IStompSession session, string destination, StompFrame frame, CancellationToken cancellationToken) =>
        AuthorizeSubscribeAsync(session, destination, frame, cancellationToken);
}

/// <summary>A feature with a bug: every SEND to /app/boom throws.</summary>
/// <summary>A feature that takes a while (like a send waiting out a broker outage): "/app/slow" with the delay in ms as body.</summary>
internal sealed class SlowHandler : IStompSendHandler
{
    public string DestinationPrefix => "/app/slow";

    public async ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(int.Parse(System.Text.Encoding.UTF8.GetString(context.Body.Span)), cancellationToken);
        return null;
    }
}

internal sealed class ThrowingHandler : IStompSendHandler
{
    public string DestinationPrefix => "/app/boom";

    public ValueTask<StompRefusal?> HandleAsync(StompSendContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("feature bug");
}

/// <summary>
/// Records subscription and session events. For /topic/replay it acts like the resume feature: live messages 1-3 are
/// published while it replays history 1-2 from "the store", then it reports seq 2 as replayed.
/// </summary>
internal sealed class RecordingListener(IStompBroker broker) : IStompSubscriptionListener, IStompSessionListener
{
    public ConcurrentQueue<string> Log { get; } = new();

    public ValueTask OnSubscribedAsync(StompSubscription subscription, StompFrame frame, CancellationToken cancellationToken)
    {
        Log.Enqueue($"subscribed {subscription.Owner.Principal.UserId} {subscription.Destination}");
        if (subscription.Destination == "/topic/replay")
        {
            for (var seq = 1; seq <= 3; seq++) broker.Publish("/topic/replay", Message("live " + seq, seq));
            var after = long.Parse(frame["x-resume-after-seq"]!);
            for (var seq = after + 1; seq <= 2; seq++) subscription.Deliver(Message("history " + seq, seq));
            subscription.ReplayedThrough(2);
        }
        return ValueTask.CompletedTask;
    }

    private static StompEncodedMessage Message(string text, long seq) =>
        StompEncodedMessage.Create("/topic/replay", Encoding.UTF8.GetBytes(text), "text/plain", sequence: seq);

    public ValueTask OnUnsubscribedAsync(StompSubscription subscription)
    {
        Log.Enqueue($"unsubscribed {subscription.Owner.Principal.UserId} {subscription.Destination}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnConnectedAsync(IStompSession session)
    {
        Log.Enqueue($"connected {session.Principal.UserId}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnDisconnectedAsync(IStompSession session)
    {
        Log.Enqueue($"disconnected {session.Principal.UserId}");
        return ValueTask.CompletedTask;
    }
}

internal sealed class ErrorCollector(ConcurrentQueue<string> errors) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) errors.Enqueue(formatter(state, exception) + " " + exception);
    }

    public void Dispose()
    {
    }
}
