namespace MetaClip.Engine.Curation;

/// <summary>
/// Per-entry match counts of one metadata language (docs/curation-spec.md §3): <c>count[i]</c> = number of texts
/// whose matched set holds <c>i</c>. Unsigned 64-bit; every entry has a slot, zeros included.
/// </summary>
public sealed class EntryCounts
{
    private readonly ulong[] _counts;

    public EntryCounts(string language, int entryCount)
    {
        Language = language;
        _counts = new ulong[entryCount];
    }

    public EntryCounts(string language, ulong[] counts)
    {
        Language = language;
        _counts = counts;
    }

    public string Language { get; }

    public int Length => _counts.Length;

    public ulong this[int id] => _counts[id];

    public ReadOnlySpan<ulong> Values => _counts;

    /// <summary>Σ counts: the language's <c>matches</c>.</summary>
    public ulong Total
    {
        get
        {
            ulong total = 0;
            foreach (ulong c in _counts)
            {
                total = checked(total + c);
            }

            return total;
        }
    }

    /// <summary>Counts one text's matched set.</summary>
    public void AddMatchedSet(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            _counts[id]++;
        }
    }

    /// <summary>Adds a unit's sparse partial counts (<see cref="ShardCountAggregator.PartialCounts"/>).</summary>
    public void AddPartial(ReadOnlySpan<int> ids, ReadOnlySpan<ulong> counts)
    {
        if (ids.Length != counts.Length)
        {
            throw new ArgumentException($"{ids.Length} entry ids but {counts.Length} counts", nameof(counts));
        }

        for (int i = 0; i < ids.Length; i++)
        {
            _counts[ids[i]] = checked(_counts[ids[i]] + counts[i]);
        }
    }

    /// <summary>Adds another partial count vector of the same list.</summary>
    public void Add(EntryCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length)
        {
            throw new ArgumentException($"count vectors differ in length ({other.Length} vs {Length})", nameof(other));
        }

        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] = checked(_counts[i] + other._counts[i]);
        }
    }
}
