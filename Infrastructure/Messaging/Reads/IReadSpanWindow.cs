namespace Shoot.Infrastructure.Messaging.Reads;

/// <summary>
/// Gathers the read moves of one room for a short window so their readCount changes go out once per message, not once
/// per read, and — with Redis — once for all instances together: every instance adds its moves to the room's one open
/// window, the instance whose move opened it flushes it, and moves that arrive after the flush took the window open a
/// new one. Adding and taking are atomic, so no move falls between two windows.
/// </summary>
public interface IReadSpanWindow
{
    /// <summary>
    /// Widens the room's open window by a move from <paramref name="before"/> (null: the room's start) to
    /// <paramref name="now"/>, opening it if none is. True when this call opened it: the caller then takes it after
    /// <paramref name="window"/>. An open window nobody takes (its instance died) lapses after a few windows.
    /// </summary>
    Task<bool> AddAsync(long roomId, string? before, string now, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Takes and closes the room's window: the span its moves covered, or null when there is none.</summary>
    Task<ReadSpan?> TakeAsync(long roomId, CancellationToken cancellationToken = default);
}

/// <summary>Message ids whose readCount may have changed: after <see cref="From"/> (null: from the room's start) up to <see cref="UpTo"/>.</summary>
public sealed record ReadSpan(string? From, string UpTo);

/// <summary>The embedded window: one span per room under a lock.</summary>
public sealed class InProcessReadSpanWindow : IReadSpanWindow
{
    private readonly Dictionary<long, ReadSpan> _open = [];

    public Task<bool> AddAsync(long roomId, string? before, string now, TimeSpan window, CancellationToken cancellationToken = default)
    {
        lock (_open)
        {
            if (!_open.TryGetValue(roomId, out var span))
            {
                _open[roomId] = new ReadSpan(before, now);
                return Task.FromResult(true);
            }
            _open[roomId] = Widen(span, before, now);
            return Task.FromResult(false);
        }
    }

    public Task<ReadSpan?> TakeAsync(long roomId, CancellationToken cancellationToken = default)
    {
        lock (_open)
            return Task.FromResult(_open.Remove(roomId, out var span) ? span : null);
    }

    private static ReadSpan Widen(ReadSpan span, string? before, string now) => new(
        span.From is null || before is null ? null : string.CompareOrdinal(before, span.From) < 0 ? before : span.From,
        string.CompareOrdinal(now, span.UpTo) > 0 ? now : span.UpTo);
}
