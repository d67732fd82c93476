using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Reads the whole bus stream on this instance, in order, and dispatches each event locally. It starts at the stream's
/// end (a new instance has no subscribers for older events), wakes on the pub/sub ping, polls once a second as a
/// fallback for a lost ping, and after a Redis outage resumes from its last read id, so nothing in between is skipped.
/// </summary>
public sealed partial class RedisBusReader(IConnectionMultiplexer redis, BusDispatcher dispatcher, ILogger<RedisBusReader> logger)
    : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private string? _startAfter;

    /// <summary>The id of the last event dispatched here; exposed for tests and diagnostics.</summary>
    public string LastId { get; private set; } = "0-0";

    /// <summary>Waits briefly for the start position, so events published right after start are not skipped; never fails the start.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        await Task.WhenAny(Started.Task, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Redis may be down when the instance starts: keep trying here rather than failing the start (readiness says it is down).
        while (!await TryBeginAsync(stoppingToken))
        {
            if (stoppingToken.IsCancellationRequested)
                return;
        }
        await ReadLoopAsync(stoppingToken);
    }

    private async Task<bool> TryBeginAsync(CancellationToken stoppingToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisBusKeys.Notify), (_, _) => Wake());
            var last = await redis.GetDatabase().StreamRangeAsync(RedisBusKeys.Stream, "-", "+", count: 1, messageOrder: Order.Descending);
            LastId = _startAfter ?? (last.Length > 0 ? last[0].Id.ToString() : "0-0");
            Started.TrySetResult();
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogReadFailed(logger, LastId, e);
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return false;
        }
    }

    /// <summary>Completes once the reader knows where it starts reading (tests wait for it).</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ReadLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(FallbackPoll, stoppingToken);
                while (await ReadBatchAsync() == BatchSize)
                {
                    // A full batch means more is waiting: keep reading before sleeping again.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogReadFailed(logger, LastId, e);
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Call before starting: read after <paramref name="lastId"/> instead of from the stream's end (taking over from an earlier reader).</summary>
    public void StartAfter(string lastId) => _startAfter = lastId;

    private async Task<int> ReadBatchAsync()
    {
        var entries = await redis.GetDatabase().StreamReadAsync(RedisBusKeys.Stream, LastId, BatchSize);
        foreach (var entry in entries)
        {
            dispatcher.Dispatch(ToEvent(entry));
            LastId = entry.Id.ToString();
        }
        return entries.Length;
    }

    private static BusEvent ToEvent(StreamEntry entry)
    {
        string destination = "", payload = "";
        long? userId = null, seq = null;
        foreach (var field in entry.Values)
        {
            switch ((string?)field.Name)
            {
                case "d": destination = field.Value.ToString(); break;
                case "p": payload = field.Value.ToString(); break;
                case "u" when !field.Value.IsNullOrEmpty:
                    userId = long.Parse(field.Value.ToString(), CultureInfo.InvariantCulture);
                    break;
                case "s" when !field.Value.IsNullOrEmpty:
                    seq = long.Parse(field.Value.ToString(), CultureInfo.InvariantCulture);
                    break;
            }
        }
        return new BusEvent(destination, payload, userId, seq);
    }

    private void Wake()
    {
        // At most one pending wake-up: a burst of pings becomes one read of everything new.
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the Redis bus after {LastId} failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, string lastId, Exception exception);
}
