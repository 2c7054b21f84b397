namespace MetaClip.Engine.Lid;

/// <summary>One predicted label: its index in the model's labels, <c>exp(LogProbability)</c>, and the log-score.</summary>
public readonly record struct LidPrediction(int Label, float Probability, float LogProbability);

/// <summary>
/// The k best (score, label) pairs, kept as fastText keeps them: a binary heap ordered by
/// <c>comparePairs</c> (greater score = "less"), with libstdc++'s <c>push_heap</c>, <c>pop_heap</c> and
/// <c>sort_heap</c> step for step, so that equal scores come out in fastText's order too.
/// </summary>
internal sealed class PredictionHeap
{
    private (float Score, int Label)[] _items = new (float, int)[8];

    public int Count { get; private set; }

    /// <summary>The smallest kept score (the heap's front).</summary>
    public float Front => _items[0].Score;

    public (float Score, int Label) this[int index] => _items[index];

    public void Clear() => Count = 0;

    private static bool Less((float Score, int Label) a, (float Score, int Label) b) => a.Score > b.Score;

    /// <summary>push_back + push_heap, then pop_heap + pop_back while more than <paramref name="k"/>.</summary>
    public void Push(float score, int label, int k)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = (score, label);
        PushHeap(Count - 1, 0, _items[Count - 1]);
        if (Count > k)
        {
            PopHeap(Count);
            Count--;
        }
    }

    /// <summary>sort_heap: best score first.</summary>
    public void Sort()
    {
        for (int last = Count; last > 1; last--)
        {
            PopHeap(last);
        }
    }

    // std::__push_heap(first, holeIndex, topIndex, value, comp)
    private void PushHeap(int hole, int top, (float Score, int Label) value)
    {
        int parent = (hole - 1) / 2;
        while (hole > top && Less(_items[parent], value))
        {
            _items[hole] = _items[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }

        _items[hole] = value;
    }

    // std::pop_heap(first, first + length): moves the front to length - 1 and re-heaps the rest.
    private void PopHeap(int length)
    {
        if (length <= 1)
        {
            return;
        }

        int last = length - 1;
        var value = _items[last];
        _items[last] = _items[0];
        AdjustHeap(0, last, value);
    }

    // std::__adjust_heap(first, holeIndex, len, value, comp)
    private void AdjustHeap(int hole, int length, (float Score, int Label) value)
    {
        int top = hole;
        int child = hole;
        while (child < (length - 1) / 2)
        {
            child = 2 * (child + 1);
            if (Less(_items[child], _items[child - 1]))
            {
                child--;
            }

            _items[hole] = _items[child];
            hole = child;
        }

        if ((length & 1) == 0 && child == (length - 2) / 2)
        {
            child = 2 * (child + 1);
            _items[hole] = _items[child - 1];
            hole = child - 1;
        }

        PushHeap(hole, top, value);
    }
}
