using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Presence;

namespace Shoot.Infrastructure.Sse;

/// <summary>
/// Who reads their own streams (updates or unread) on any instance, now or within the last
/// <see cref="SseHub.RingLifetime"/>: the users room activity is announced to. An announcement costs one count and two
/// events per user it names, on every instance, so naming only these keeps a message's cost from growing with the
/// room's size when nobody watches a room list (docs/performance.md, "Eighth profile").
/// <para>
/// The rule matches what <c>Last-Event-ID</c> can replay: a stream closed less than the ring's lifetime ago still gets
/// its events, so a client that reconnects within it misses nothing. A user is a listener on a lease: taken when a
/// stream opens, renewed while any of their streams is open here, and run out one lifetime after the last one closed
/// (or after its instance died). A stream that opens after the lease ran out did miss events, so it replays none
/// (<see cref="OpenAsync"/>) and the caller recounts the user's rooms.
/// </para>
/// </summary>
public sealed partial class SseListeners(IExpiringSetStore sets, ILogger<SseListeners> logger) : BackgroundService
{
    /// <summary>How long a user stays a listener after their last stream closed.</summary>
    public static readonly TimeSpan Lease = SseHub.RingLifetime;

    private const string SetKey = "sse-listeners";

    // Renewed well within the lease, so a lease of a user still reading never runs out between two renewals.
    private static readonly TimeSpan RenewEvery = Lease / 4;

    private readonly ConcurrentDictionary<long, int> _openHere = new();

    /// <summary>
    /// One of the user's streams opens on this instance. True when the user was a listener without a gap until now
    /// (every announcement named them, so their stream may replay what it missed); false when their lease had run out.
    /// </summary>
    public async ValueTask<bool> OpenAsync(long userId, CancellationToken ct)
    {
        _openHere.AddOrUpdate(userId, 1, (_, open) => open + 1);
        try
        {
            return await sets.AddAsync(SetKey, Member(userId), Lease, ct);
        }
        catch
        {
            ForgetOne(userId);
            throw;
        }
    }

    /// <summary>One of the user's streams (opened with <see cref="OpenAsync"/>) closed here: the lease runs one lifetime from now, unless renewed.</summary>
    public async ValueTask ClosedAsync(long userId)
    {
        ForgetOne(userId);
        try
        {
            await sets.AddAsync(SetKey, Member(userId), Lease, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The lease then runs from the last renewal instead: at worst the user stops being announced to a few minutes early.
            LogLeaseFailed(logger, e);
        }
    }

    /// <summary>Whether a stream of the user is open on this instance.</summary>
    public bool HasStreamHere(long userId) => _openHere.ContainsKey(userId);

    /// <summary>Which of <paramref name="userIds"/> are listeners now.</summary>
    public async ValueTask<IReadOnlySet<long>> AmongAsync(IReadOnlyCollection<long> userIds, CancellationToken ct)
    {
        if (userIds.Count == 0)
            return new HashSet<long>();
        var found = await sets.WhichAreMembersAsync(SetKey, userIds.Select(Member).ToList(), ct);
        return found.Select(m => long.Parse(m, CultureInfo.InvariantCulture)).ToHashSet();
    }

    /// <summary>Renews the leases of the users with a stream open here (what the service does every quarter lease).</summary>
    public async Task RenewAsync(CancellationToken ct)
    {
        foreach (var userId in _openHere.Keys)
            await sets.AddAsync(SetKey, Member(userId), Lease, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RenewEvery);
        while (await WaitAsync(timer, stoppingToken))
        {
            try
            {
                await RenewAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The next renewal tries again, well before the lease runs out.
                LogLeaseFailed(logger, e);
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void ForgetOne(long userId)
    {
        while (_openHere.TryGetValue(userId, out var open))
        {
            if (open > 1 ? _openHere.TryUpdate(userId, open - 1, open) : _openHere.TryRemove(KeyValuePair.Create(userId, open)))
                return;
        }
    }

    private static string Member(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing SSE listener leases failed")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);
}
