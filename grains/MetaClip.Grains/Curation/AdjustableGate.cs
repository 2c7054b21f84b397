namespace MetaClip.Grains.Curation;

/// <summary>
/// A gate that lets at most <see cref="Limit"/> callers through at once, where the limit may change while callers
/// wait or hold it (a coordinator keeps its shards in flight in step with the silos that are up). Raising the
/// limit lets waiters through at once; lowering it lets no new one through until enough have left.
/// </summary>
public sealed class AdjustableGate
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private int _inside;
    private int _limit;

    public AdjustableGate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
    }

    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>Callers inside the gate now.</summary>
    public int Inside
    {
        get
        {
            lock (_lock)
            {
                return _inside;
            }
        }
    }

    /// <summary>Waits for a place inside the gate.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource entry;
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (_inside < _limit && _waiting.Count == 0)
            {
                _inside++;
                return;
            }

            entry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(entry);
        }

        using (cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                    entry.TrySetCanceled(cancellationToken);
                }
            }
        }))
        {
            await entry.Task;
        }
    }

    /// <summary>Leaves the gate, letting the next waiter in when the limit allows.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _inside--;
            Admit();
        }
    }

    /// <summary>Sets a new limit (at least 1).</summary>
    public void SetLimit(int limit)
    {
        lock (_lock)
        {
            _limit = Math.Max(1, limit);
            Admit();
        }
    }

    private void Admit()
    {
        while (_inside < _limit && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            _inside++;
            first.Value.TrySetResult();
        }
    }
}
