namespace Shoot.Infrastructure.Messaging.Unread;

/// <summary>
/// A set of a room's seqs kept as an ascending list: the unread ledger asks "how many above this position" on every
/// count, which a <see cref="SortedSet{T}"/> view answers by walking the view (O(n)) — and a sender who never reads
/// has every message they ever sent in their set. Here a count is a binary search. Adds are nearly always the newest
/// seq (seqs are handed out in order), so they append; removals are rare (deletes, failures, a position passing).
/// Not thread-safe: callers hold the room's lock.
/// </summary>
public sealed class SeqSet
{
    private readonly List<long> _seqs = [];

    public int Count => _seqs.Count;

    public void Add(long seq)
    {
        if (_seqs.Count == 0 || seq > _seqs[^1])
        {
            _seqs.Add(seq);
            return;
        }
        var index = _seqs.BinarySearch(seq);
        if (index < 0)
            _seqs.Insert(~index, seq);
    }

    public bool Remove(long seq)
    {
        var index = _seqs.BinarySearch(seq);
        if (index < 0)
            return false;
        _seqs.RemoveAt(index);
        return true;
    }

    /// <summary>How many seqs are greater than <paramref name="seq"/>.</summary>
    public int CountAbove(long seq) => _seqs.Count - FirstAbove(seq);

    /// <summary>Drops every seq up to and including <paramref name="seq"/>.</summary>
    public void RemoveUpTo(long seq) => _seqs.RemoveRange(0, FirstAbove(seq));

    private int FirstAbove(long seq)
    {
        var index = _seqs.BinarySearch(seq);
        return index >= 0 ? index + 1 : ~index;
    }
}
