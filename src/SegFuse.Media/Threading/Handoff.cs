namespace SegFuse.Media.Threading;

/// <summary>
/// A bounded first-in-first-out queue between threads that allocates nothing per item: a ring of slots guarded by one
/// monitor. It replaces <c>BlockingCollection</c> and bounded channels in the frame loops, which allocate a linked
/// cancellation source or an async operation every time they wait (about 0.3–1 KB per frame), and so made the managed
/// heap grow with the length of the video until the first garbage collection.
/// </summary>
/// <remarks>
/// Cancellation is checked every 50 ms while waiting (no registration to allocate). <see cref="Complete"/> ends the
/// queue: adders get false at once, takers get the items still queued and then false; an error given to
/// <see cref="Complete"/> is kept in <see cref="Error"/> for the taker to throw.
/// </remarks>
/// <typeparam name="T">The item type (a buffer, or a small struct).</typeparam>
internal sealed class Handoff<T>
{
    private const int PollMs = 50;
    private readonly T[] _slots;
    private readonly object _gate = new();
    private int _head;
    private int _count;
    private bool _completed;
    private Exception? _error;

    public Handoff(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new T[capacity];
    }

    /// <summary>Items queued now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Whether <see cref="Complete"/> was called.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/>, waiting while the queue is full.</summary>
    /// <returns>False when the queue was completed (the item was not queued).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public bool TryAdd(T item, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            while (_count == _slots.Length && !_completed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, PollMs);
            }

            if (_completed)
            {
                return false;
            }

            _slots[(_head + _count) % _slots.Length] = item;
            _count++;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Takes the oldest item, waiting while the queue is empty.</summary>
    /// <returns>False when the queue is completed and empty.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public bool TryTake(out T item, CancellationToken cancellationToken = default) => TryTake(out item, Timeout.Infinite, cancellationToken, out _);

    /// <summary>As <see cref="TryTake(out T, CancellationToken)"/>, giving up after <paramref name="timeoutMs"/> (then <paramref name="timedOut"/> is true).</summary>
    public bool TryTake(out T item, int timeoutMs, CancellationToken cancellationToken, out bool timedOut)
    {
        long deadline = timeoutMs == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        timedOut = false;
        lock (_gate)
        {
            while (_count == 0 && !_completed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    timedOut = true;
                    item = default!;
                    return false;
                }

                Monitor.Wait(_gate, (int)Math.Min(left, PollMs));
            }

            if (_count == 0)
            {
                item = default!;
                return false;
            }

            item = _slots[_head];
            _slots[_head] = default!;
            _head = (_head + 1) % _slots.Length;
            _count--;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Ends the queue; <paramref name="error"/>, if any, is what takers see through <see cref="Error"/>.</summary>
    public void Complete(Exception? error = null)
    {
        lock (_gate)
        {
            _completed = true;
            _error ??= error;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The error the queue was completed with, if any.</summary>
    public Exception? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }
}
