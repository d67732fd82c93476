using System.Threading.Tasks.Sources;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// A session's queue of frames to send: many writers (deliveries from any thread, the watchdog's heart-beats, the read
/// loop's replies), one reader (the session's writer loop), bounded, never blocking a writer.
/// <para>
/// Why not a bounded <c>Channel</c>: it behaves the same here but costs about 800 bytes per session before anything is
/// queued (the channel, its reader and writer, two reusable operations, two waiter operations, a deque and its array),
/// which with 15,000 idle connections was a twelfth of each connection's memory (docs/performance.md, "Tenth profile").
/// This queue is one object until a frame is queued, and gives its array back once a burst has drained.
/// </para>
/// <para>
/// Like the channel it replaces with <c>AllowSynchronousContinuations</c>: a writer that wakes the idle reader runs the
/// reader's continuation on its own thread (outside the lock), so a delivery writes to the socket at once instead of
/// queueing a thread-pool work item per frame.
/// </para>
/// </summary>
internal sealed class OutboundQueue<T> : IValueTaskSource<bool>
{
    // Arrays at most this long stay after the queue drains: enough for the usual few frames in flight.
    private const int KeptCapacity = 8;

    private readonly int _capacity;
    private T[]? _items;
    private int _head;
    private int _count;
    private bool _completed;
    private bool _readerWaiting;
    // The reader's pending WaitToReadAsync; reset before each wait, completed by the writer that wakes it. Continuations
    // run synchronously (see above).
    private ManualResetValueTaskSourceCore<bool> _wake;

    public OutboundQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Frames queued and not yet read.</summary>
    public int Count
    {
        get
        {
            lock (this) return _count;
        }
    }

    /// <summary>Queues an item; false when the queue is full or completed (the item is not queued).</summary>
    public bool TryWrite(T item)
    {
        lock (this)
        {
            if (_completed || _count == _capacity)
                return false;
            if (_items is null || _count == _items.Length)
                Grow();
            _items![(_head + _count) % _items.Length] = item;
            _count++;
            if (!_readerWaiting)
                return true;
            _readerWaiting = false;
        }
        _wake.SetResult(true);
        return true;
    }

    /// <summary>No more writes; the reader still reads what is queued. False when already completed.</summary>
    public bool TryComplete()
    {
        lock (this)
        {
            if (_completed)
                return false;
            _completed = true;
            if (!_readerWaiting)
                return true;
            _readerWaiting = false;
        }
        // The reader only waits on an empty queue, and every write since would have woken it: nothing is left to read.
        _wake.SetResult(false);
        return true;
    }

    /// <summary>Takes the oldest item, if any. The reader's only.</summary>
    public bool TryRead(out T item)
    {
        lock (this)
        {
            if (_count == 0)
            {
                item = default!;
                return false;
            }
            item = _items![_head];
            _items[_head] = default!;
            _head = (_head + 1) % _items.Length;
            _count--;
            if (_count == 0)
            {
                _head = 0;
                // After a burst, an idle connection should not keep a large array for the next one.
                if (_items.Length > KeptCapacity)
                    _items = null;
            }
            return true;
        }
    }

    /// <summary>
    /// True once an item can be read, false once the queue is completed and empty. The reader's only, one wait at a
    /// time.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (this)
        {
            if (_count > 0)
                return new ValueTask<bool>(true);
            if (_completed)
                return new ValueTask<bool>(false);
            _wake.Reset();
            _readerWaiting = true;
            return new ValueTask<bool>(this, _wake.Version);
        }
    }

    private void Grow()
    {
        var grown = new T[Math.Min(_capacity, Math.Max(4, (_items?.Length ?? 0) * 2))];
        for (var i = 0; i < _count; i++)
            grown[i] = _items![(_head + i) % _items.Length];
        _items = grown;
        _head = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _wake.OnCompleted(continuation, state, token, flags);
}
