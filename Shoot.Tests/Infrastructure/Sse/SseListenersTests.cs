using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Presence;
using Shoot.Infrastructure.Sse;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Sse;

/// <summary>
/// The listener leases room activity is announced by: a user is one while a stream of theirs is open and for one ring
/// lifetime after, and a stream that opens after the lease ran out is told so (it must not replay). The clock is moved
/// by hand.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SseListenersTests
{
    private readonly ManualClock _clock = new();
    private readonly SseListeners _listeners;

    public SseListenersTests() => _listeners = new SseListeners(new InMemoryExpiringSetStore(_clock), NullLogger<SseListeners>.Instance);

    [Fact]
    public async Task A_user_listens_from_their_first_stream_until_one_lifetime_after_the_last_closed()
    {
        Assert.Empty(await _listeners.AmongAsync([1, 2], CancellationToken.None));
        Assert.False(await _listeners.OpenAsync(1, CancellationToken.None));
        Assert.True(await _listeners.OpenAsync(1, CancellationToken.None));
        Assert.Equal([1L], await _listeners.AmongAsync([1, 2], CancellationToken.None));

        await _listeners.ClosedAsync(1);
        await _listeners.ClosedAsync(1);
        _clock.Advance(SseListeners.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal([1L], await _listeners.AmongAsync([1, 2], CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await _listeners.AmongAsync([1, 2], CancellationToken.None));
        Assert.False(await _listeners.OpenAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task Renewal_keeps_the_lease_of_a_stream_still_open_and_lets_closed_ones_run_out()
    {
        await _listeners.OpenAsync(1, CancellationToken.None);
        await _listeners.OpenAsync(2, CancellationToken.None);
        await _listeners.ClosedAsync(2);
        for (var i = 0; i < 8; i++)
        {
            _clock.Advance(SseListeners.Lease / 4);
            await _listeners.RenewAsync(CancellationToken.None);
        }
        Assert.Equal([1L], await _listeners.AmongAsync([1, 2], CancellationToken.None));
        Assert.True(await _listeners.OpenAsync(1, CancellationToken.None));
    }
}
