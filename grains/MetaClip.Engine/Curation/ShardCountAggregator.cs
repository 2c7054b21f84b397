namespace MetaClip.Curation;

/// <summary>
/// A global count vector that takes each shard's sparse partial counts exactly once (CURATION-SPEC §3
/// summed over shards). Keyed by shard id; applying a shard id again changes nothing.
/// </summary>
public sealed class ShardCountAggregator
{
    private readonly HashSet<string> _applied;

    public ShardCountAggregator(int length)
        : this(new ulong[length], [])
    {
    }

    /// <summary>Restores an aggregator from persisted state.</summary>
    public ShardCountAggregator(ulong[] counts, IEnumerable<string> appliedShards)
    {
        Counts = counts;
        _applied = new HashSet<string>(appliedShards, StringComparer.Ordinal);
    }

    public ulong[] Counts { get; }

    public IReadOnlyCollection<string> AppliedShards => _applied;

    /// <summary>Adds a shard's partial counts; false (and no change) when that shard was applied before.</summary>
    /// <exception cref="ArgumentException">The partial does not fit this vector.</exception>
    public bool Apply(string shardId, ReadOnlySpan<int> entryIds, ReadOnlySpan<ulong> counts)
    {
        if (entryIds.Length != counts.Length)
        {
            throw new ArgumentException($"shard {shardId}: {entryIds.Length} entry ids but {counts.Length} counts");
        }

        foreach (int id in entryIds)
        {
            if ((uint)id >= (uint)Counts.Length)
            {
                throw new ArgumentException($"shard {shardId}: entry id {id} is outside a list of {Counts.Length} entries");
            }
        }

        if (!_applied.Add(shardId))
        {
            return false;
        }

        for (int i = 0; i < entryIds.Length; i++)
        {
            Counts[entryIds[i]] = checked(Counts[entryIds[i]] + counts[i]);
        }

        return true;
    }

    /// <summary>
    /// A unit's partial counts per metadata language: the matched entry ids, ascending, with the number of
    /// the unit's texts that matched each.
    /// </summary>
    public static Dictionary<string, (int[] EntryIds, ulong[] Counts)> PartialCounts(UnitMatches unit)
    {
        ArgumentNullException.ThrowIfNull(unit);

        // Dense counting per language (up to the largest id seen), then the non-zero entries in id order.
        var dense = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        var maxId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in unit.Matched)
        {
            var ids = unit.IdsOf(text);
            if (ids.Length > 0)
            {
                maxId[text.Language] = Math.Max(maxId.GetValueOrDefault(text.Language, -1), ids[^1]);
            }
        }

        foreach (var (language, max) in maxId)
        {
            dense[language] = new ulong[max + 1];
        }

        foreach (var text in unit.Matched)
        {
            var counts = dense[text.Language];
            foreach (int id in unit.IdsOf(text))
            {
                counts[id]++;
            }
        }

        var result = new Dictionary<string, (int[] EntryIds, ulong[] Counts)>(StringComparer.Ordinal);
        foreach (var (language, counts) in dense)
        {
            var ids = new List<int>();
            var values = new List<ulong>();
            for (int id = 0; id < counts.Length; id++)
            {
                if (counts[id] != 0)
                {
                    ids.Add(id);
                    values.Add(counts[id]);
                }
            }

            result[language] = ([.. ids], [.. values]);
        }

        return result;
    }
}
