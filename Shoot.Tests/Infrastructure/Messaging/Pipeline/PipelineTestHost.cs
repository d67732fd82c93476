using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// A host with just the message store (real SQLite in a temp messages.db), the persistence pipeline the settings choose,
/// and a recording observer: what the app registers, without the web parts.
/// </summary>
internal sealed class PipelineTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private PipelineTestHost(IHost host, RecordingObserver observer)
    {
        _host = host;
        Observer = observer;
    }

    public RecordingObserver Observer { get; }
    public IPersistencePipeline Pipeline => _host.Services.GetRequiredService<IPersistencePipeline>();
    public IMessageStore Store => _host.Services.GetRequiredService<IMessageStore>();
    public MessagesDatabase Messages => _host.Services.GetRequiredService<MessagesDatabase>();
    public PersistenceHandOff HandOff => _host.Services.GetRequiredService<PersistenceHandOff>();
    public PipelineSpill Spill => _host.Services.GetRequiredService<PipelineSpill>();
    public System.Diagnostics.Metrics.IMeterFactory Meters => _host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();

    /// <param name="configure">Runs after the app's registrations: a test puts a fault-injecting decorator in place here.</param>
    public static async Task<PipelineTestHost> StartAsync(string dataDirectory, IDictionary<string, string?> settings, RecordingObserver? observer = null,
        Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Shoot:DataDirectory"] = dataDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;
        services.AddOptions<ShootOptions>().BindConfiguration(ShootOptions.Section);
        services.AddOptions<ConnectionStringsOptions>().BindConfiguration(ConnectionStringsOptions.Section);
        services.AddSingleton(TimeProvider.System);
        var connections = ConnectionStringsOptions.From(builder.Configuration);
        services.AddMessageStore(connections);
        services.AddPersistencePipeline(connections);
        observer ??= new RecordingObserver();
        services.AddSingleton<IPersistenceObserver>(observer);
        configure?.Invoke(services);
        var host = builder.Build();
        await host.StartAsync();
        return new PipelineTestHost(host, observer);
    }

    /// <summary>Every stored row's id, once per row (a repeated id would show as a repeat here).</summary>
    public async Task<List<string>> StoredIdsAsync()
    {
        await using var connection = await Messages.Sqlite.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT id FROM messages")).AsList();
    }

    /// <summary>Polls until <paramref name="done"/> holds or the patience runs out; returns whether it held (callers assert).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await done())
                return true;
            await Task.Delay(50);
        }
        return await done();
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(stopping.Token);
        _host.Dispose();
    }
}

internal enum PipelineEvent
{
    HandedOver,
    Processing,
    Saved,
    Failed,
}

/// <summary>Records what the pipeline reports, in order, as a feature's observer would receive it.</summary>
internal sealed class RecordingObserver : IPersistenceObserver
{
    private readonly ConcurrentQueue<(PipelineEvent Event, StoredMessage Message, string? Reason)> _events = new();

    /// <summary>Runs inside OnSavedAsync before the event is recorded, with the worker's token (to hold a worker mid-batch).</summary>
    public Func<IReadOnlyList<StoredMessage>, CancellationToken, Task>? BeforeSaved { get; set; }

    public IReadOnlyList<(PipelineEvent Event, StoredMessage Message, string? Reason)> Events => _events.ToArray();

    public int Count(PipelineEvent kind) => _events.Count(e => e.Event == kind);

    public ValueTask OnHandedOverAsync(StoredMessage message, CancellationToken cancellationToken)
    {
        _events.Enqueue((PipelineEvent.HandedOver, message, null));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnProcessingAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
            _events.Enqueue((PipelineEvent.Processing, message, null));
        return ValueTask.CompletedTask;
    }

    public async ValueTask OnSavedAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        if (BeforeSaved is { } hook)
            await hook(messages, cancellationToken);
        foreach (var message in messages)
            _events.Enqueue((PipelineEvent.Saved, message, null));
    }

    public ValueTask OnFailedAsync(StoredMessage message, string reason, CancellationToken cancellationToken)
    {
        _events.Enqueue((PipelineEvent.Failed, message, reason));
        return ValueTask.CompletedTask;
    }
}

internal static class TestMessages
{
    public static StoredMessage New(long roomId, long seq, string? tempId = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new StoredMessage
        {
            Id = MessageId.New(now), RoomId = roomId, Seq = seq, SenderId = 1000 + roomId, TempId = tempId ?? $"t-{roomId}-{seq}",
            Text = $"message {seq} of room {roomId}", CreatedAt = now, UpdatedAt = now,
        };
    }

    /// <summary>A stream over a few rooms, seqs 1, 2, 3 … per room, as senders would produce it.</summary>
    public static List<StoredMessage> Stream(int count, int rooms, long firstRoom = 1) =>
        Enumerable.Range(0, count).Select(i => New(firstRoom + i % rooms, 1 + i / rooms)).ToList();
}
