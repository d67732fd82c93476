using System.Collections.Concurrent;
using Shoot.Infrastructure.Auth;
using Shoot.Infrastructure.Configuration;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// The checks at a real-time handshake (WebSocket, SockJS) before a session starts (issue 14): the page's Origin when
/// <see cref="ShootOptions.AllowedOrigins"/> is set, and at most <see cref="LimitsOptions.ConnectionsPerIp"/> open
/// sessions per client address on this instance. The count is per instance: sessions live in one process, and a
/// shared counter would outlive the process that crashed holding it.
/// </summary>
public sealed class ConnectionAdmission(IOptionsMonitor<LimitsOptions> limits, IOptionsMonitor<ShootOptions> shoot, SecurityEvents security)
    : Stomp.Server.IStompHandshakeGate
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Open sessions of one address here (for tests and metrics).</summary>
    public int OpenFrom(string address) => _open.GetValueOrDefault(address);

    /// <summary>
    /// Admits the handshake and returns the lease to dispose when the session ends, or writes the refusal (403
    /// FORBIDDEN for a foreign origin, 429 RATE_LIMITED at the cap) and returns null.
    /// </summary>
    public async Task<IDisposable?> AdmitAsync(HttpContext context)
    {
        if (!await AdmitOriginAsync(context))
            return null;
        var address = SecurityEvents.ClientAddressOf(context);
        if (TakeSlot(address) is { } lease)
            return lease;
        var cap = limits.CurrentValue.ConnectionsPerIp;
        security.ConnectionRefused($"more than {cap} sessions from this address", address, context.Request.Headers.Origin.ToString());
        await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.RateLimited,
            "Too many open sessions from this address; close one first.", retryAfter: TimeSpan.FromSeconds(10));
        return null;
    }

    /// <summary>The same checks without an HTTP request: a lease, or null (nothing logged or written) when either refuses.</summary>
    public IDisposable? TryAdmit(string origin, string clientAddress) => IsAllowedOrigin(origin) ? TakeSlot(clientAddress) : null;

    private Lease? TakeSlot(string address)
    {
        if (_open.AddOrUpdate(address, 1, (_, n) => n + 1) <= limits.CurrentValue.ConnectionsPerIp)
            return new Lease(this, address);
        Release(address);
        return null;
    }

    /// <summary>False after writing 403 FORBIDDEN when the request's Origin is not allowed.</summary>
    public async Task<bool> AdmitOriginAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (IsAllowedOrigin(origin))
            return true;
        security.ConnectionRefused("origin not allowed", SecurityEvents.ClientAddressOf(context), origin);
        await EnvelopeWriter.WriteErrorAsync(context, ErrorCode.Forbidden, "This origin may not open a session.");
        return false;
    }

    private bool IsAllowedOrigin(string origin)
    {
        var allowed = shoot.CurrentValue.AllowedOrigins;
        if (allowed.Length == 0 || string.IsNullOrEmpty(origin))
            return true;
        return allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    private void Release(string address)
    {
        // Decrement, and drop the entry at zero so the map holds only addresses with open sessions.
        while (true)
        {
            var current = _open.GetValueOrDefault(address);
            if (current <= 1)
            {
                if (current == 0 || _open.TryRemove(KeyValuePair.Create(address, current)))
                    return;
            }
            else if (_open.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Lease(ConnectionAdmission admission, string address) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                admission.Release(address);
        }
    }
}
