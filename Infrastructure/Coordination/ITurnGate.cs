namespace Shoot.Infrastructure.Coordination;

/// <summary>
/// One at a time per key, across instances, without anyone waiting: whoever finds the key taken leaves a request for
/// another round instead, and the one holding it goes again before it lets go. So work that must not overlap (two
/// instances announcing the same room's counts, where the older announcement could land last) runs in turns, and no
/// request is lost. A holder that dies lets go after <see cref="HoldLimit"/>.
/// </summary>
public interface ITurnGate
{
    /// <summary>True: the caller holds the key and must call <see cref="LeaveAsync"/>. False: another holds it and will go again.</summary>
    Task<bool> TryEnterAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>True: someone asked meanwhile, so the caller still holds the key and goes again. False: the key is free.</summary>
    Task<bool> LeaveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>How long a turn may be held before it is taken to be abandoned.</summary>
    static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(30);
}

/// <summary>The embedded gate: a dictionary of held keys and their requests, under one lock.</summary>
public sealed class InProcessTurnGate : ITurnGate
{
    private readonly Dictionary<string, bool> _held = new(StringComparer.Ordinal);

    public Task<bool> TryEnterAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_held)
        {
            if (_held.ContainsKey(key))
            {
                _held[key] = true;
                return Task.FromResult(false);
            }
            _held[key] = false;
            return Task.FromResult(true);
        }
    }

    public Task<bool> LeaveAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_held)
        {
            if (_held.TryGetValue(key, out var again) && again)
            {
                _held[key] = false;
                return Task.FromResult(true);
            }
            _held.Remove(key);
            return Task.FromResult(false);
        }
    }
}
