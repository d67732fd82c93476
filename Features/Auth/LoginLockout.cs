using Microsoft.Extensions.Options;
using Shoot.Features.Common;
using Shoot.Features.Users;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.RateLimiting;

namespace Shoot.Features.Auth;

/// <summary>
/// The password-guessing lock of a username (docs/api.md §9), shared by everything that checks a password: login and
/// account deletion. Failures of either count together; the Nth within <see cref="LimitsOptions.LoginFailureWindow"/>
/// locks the username for <see cref="LimitsOptions.LoginLockDuration"/>, and while it is locked every password check —
/// right or wrong — is refused with 429 and Retry-After, so neither endpoint is a way around the other's limit.
/// Counters live in the shared counter store (Redis when configured), so the lock holds across instances.
/// </summary>
public sealed class LoginLockout(ICounterStore counters, IOptionsMonitor<LimitsOptions> limits, SecurityEvents security)
{
    /// <summary>429 <c>RATE_LIMITED</c> while <paramref name="username"/> is locked.</summary>
    public async Task ThrowIfLockedAsync(string username, CancellationToken ct)
    {
        if (await counters.TimeToLiveAsync(LockKey(username), ct) is { } lockedFor)
            throw ShootException.RateLimited(lockedFor, "Too many failed password attempts for this username; try again later.");
    }

    /// <summary>Counts a wrong password for <paramref name="username"/>; the Nth locks it (logged as <c>UsernameLocked</c>).</summary>
    public async Task FailedAsync(string username, long? userId, CancellationToken ct)
    {
        var limit = limits.CurrentValue;
        var normalized = UserDirectory.NormalizeUsername(username);
        var failures = await counters.IncrementAsync(FailuresKey(username), limit.LoginFailureWindow, ct);
        if (failures.Count >= limit.LoginFailuresBeforeLock)
        {
            await counters.SetAsync(LockKey(username), limit.LoginLockDuration, ct);
            await counters.DeleteAsync(FailuresKey(username), ct);
            security.UsernameLocked(normalized, userId, limit.LoginLockDuration);
        }
    }

    /// <summary>A right password: the failures counted so far are forgotten.</summary>
    public ValueTask SucceededAsync(string username, CancellationToken ct) => counters.DeleteAsync(FailuresKey(username), ct);

    private static string LockKey(string username) => "login-lock:" + UserDirectory.NormalizeUsername(username);

    private static string FailuresKey(string username) => "login-fail:" + UserDirectory.NormalizeUsername(username);
}
