using System.Buffers;
using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Curation;

/// <summary>
/// A global count vector that takes each shard's sparse partial counts exactly once (docs/curation-spec.md §3
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

        // Dense counting per language (up to the largest id seen), then the non-zero entries in id order. The
        // dense vectors are pooled: a fresh one per shard (4 MB for English's 500k entries) was a large-object
        // allocation per shard, and the collections it caused cost the embedded silo's pass 1 more than the
        // counting itself.
        var tallies = new Dictionary<string, DenseTally>(StringComparer.Ordinal);
        foreach (var text in unit.Matched)
        {
            var ids = unit.IdsOf(text);
            if (ids.Length > 0)
            {
                if (!tallies.TryGetValue(text.Language, out var tally))
                {
                    tallies[text.Language] = tally = new DenseTally();
                }

                tally.Length = Math.Max(tally.Length, ids[^1] + 1);
            }
        }

        try
        {
            DenseTally? last = null;
            string? lastLanguage = null;
            foreach (var text in unit.Matched)
            {
                var ids = unit.IdsOf(text);
                if (ids.Length == 0)
                {
                    continue;
                }

                if (!string.Equals(lastLanguage, text.Language, StringComparison.Ordinal))
                {
                    last = tallies[text.Language];
                    lastLanguage = text.Language;
                }

                last!.Add(ids);
            }

            var result = new Dictionary<string, (int[] EntryIds, ulong[] Counts)>(StringComparer.Ordinal);
            foreach (var (language, tally) in tallies)
            {
                result[language] = tally.NonZero();
            }

            return result;
        }
        finally
        {
            foreach (var tally in tallies.Values)
            {
                tally.Return();
            }
        }
    }

    /// <summary>One language's dense counts of one unit, in a pooled vector.</summary>
    private sealed class DenseTally
    {
        private uint[]? _counts;
        private int _distinct;

        /// <summary>The largest id seen, plus one.</summary>
        public int Length { get; set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(ReadOnlySpan<int> ids)
        {
            if (_counts is null)
            {
                _counts = ArrayPool<uint>.Shared.Rent(Length);
                Array.Clear(_counts, 0, Length);
            }

            foreach (int id in ids)
            {
                if (_counts[id]++ == 0)
                {
                    _distinct++;
                }
            }
        }

        /// <summary>The non-zero counts, in id order.</summary>
        public (int[] EntryIds, ulong[] Counts) NonZero()
        {
            var ids = new int[_distinct];
            var values = new ulong[_distinct];
            var counts = _counts.AsSpan(0, _counts is null ? 0 : Length);
            int k = 0;
            for (int id = counts.IndexOfAnyExcept(0u); id >= 0 && k < ids.Length; id = NextNonZero(counts, id + 1))
            {
                ids[k] = id;
                values[k++] = counts[id];
            }

            return (ids, values);
        }

        public void Return()
        {
            if (_counts is not null)
            {
                ArrayPool<uint>.Shared.Return(_counts);
                _counts = null;
            }
        }

        private static int NextNonZero(ReadOnlySpan<uint> counts, int from)
        {
            int next = counts[from..].IndexOfAnyExcept(0u);
            return next < 0 ? -1 : from + next;
        }
    }
}
