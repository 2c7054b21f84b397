using System.Collections;

namespace MetaClip.Engine.Metadata;

/// <summary>
/// The entries of one metadata list as one block of UTF-16 units and where each entry ends, instead of one string
/// object per entry. A metadata set of a million entries held as strings is a million objects that every full
/// collection marks again (they were 99 % of the objects alive during a curation run, and each million of them added
/// about 20 ms to every full collection: bench/RESULTS.md); as a block it is two arrays. The indexer makes a string
/// on each call; <see cref="Span"/> gives an entry's units without one. Immutable.
/// </summary>
public sealed class EntryTexts : IReadOnlyList<string>
{
    private readonly char[] _units;
    private readonly int[] _ends;

    private EntryTexts(char[] units, int[] ends)
    {
        _units = units;
        _ends = ends;
    }

    /// <summary>No entries.</summary>
    public static EntryTexts Empty { get; } = new([], []);

    public int Count => _ends.Length;

    /// <summary>How many UTF-16 units all entries hold together.</summary>
    public long TotalLength => _ends.Length == 0 ? 0 : _ends[^1];

    /// <summary>Entry <paramref name="id"/>, made into a string (use <see cref="Span"/> where a span will do).</summary>
    public string this[int id] => new(Span(id));

    /// <summary>The units of entry <paramref name="id"/>.</summary>
    public ReadOnlySpan<char> Span(int id)
    {
        int start = id == 0 ? 0 : _ends[id - 1];
        return _units.AsSpan(start, _ends[id] - start);
    }

    /// <summary>The length of entry <paramref name="id"/>.</summary>
    public int LengthOf(int id) => _ends[id] - (id == 0 ? 0 : _ends[id - 1]);

    /// <summary>The entries of <paramref name="entries"/>, copied into one block.</summary>
    /// <exception cref="ArgumentException">Their units together are more than an array holds.</exception>
    public static EntryTexts From(IReadOnlyList<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries is EntryTexts texts)
        {
            return texts;
        }

        var ends = new int[entries.Count];
        long total = 0;
        for (int i = 0; i < ends.Length; i++)
        {
            total += entries[i].Length;
            if (total > Array.MaxLength)
            {
                throw new ArgumentException($"the {entries.Count:N0} entries hold more than {Array.MaxLength:N0} UTF-16 units together, more than one list can hold", nameof(entries));
            }

            ends[i] = (int)total;
        }

        var units = new char[total];
        for (int i = 0, at = 0; i < ends.Length; i++)
        {
            entries[i].CopyTo(units.AsSpan(at));
            at = ends[i];
        }

        return new EntryTexts(units, ends);
    }

    /// <summary>
    /// The entries whose lengths are <paramref name="lengths"/>, one after another in <paramref name="units"/> (which
    /// this keeps). The caller has checked that the lengths are positive and add up to the units.
    /// </summary>
    internal static EntryTexts FromBlock(char[] units, ReadOnlySpan<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(units);
        var ends = new int[lengths.Length];
        int at = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            at += lengths[i];
            ends[i] = at;
        }

        return new EntryTexts(units, ends);
    }

    public IEnumerator<string> GetEnumerator()
    {
        for (int id = 0; id < Count; id++)
        {
            yield return this[id];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
