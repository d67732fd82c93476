using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoot.Features.Realtime;

/// <summary>
/// The clock of the realtime slices on this instance: once a second it ends silent typists; every
/// <see cref="Presence.RefreshEvery"/> it refreshes this instance's presence and active-user members before they expire.
/// </summary>
public sealed partial class RealtimeTimers(TypingIndicators typing, Presence presence, ActiveUsers active, TimeProvider clock,
    ILogger<RealtimeTimers> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, clock);
        var lastRefresh = clock.GetUtcNow();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await typing.ExpireSilentAsync();
                if (clock.GetUtcNow() - lastRefresh >= Presence.RefreshEvery)
                {
                    lastRefresh = clock.GetUtcNow();
                    await presence.RefreshAsync(stoppingToken);
                    await active.RefreshAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A Redis or database hiccup must not stop the timers for good; the next tick tries again.
                TickFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Realtime timers: a tick failed; retrying on the next one")]
    private static partial void TickFailed(ILogger logger, Exception exception);
}
