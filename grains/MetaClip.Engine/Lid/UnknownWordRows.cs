using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Lid;

/// <summary>
/// The input rows of recently seen words that are not in a model's vocabulary, so that a predictor hashes a frequent
/// unknown word's character n-grams once instead of at every occurrence (captions repeat their words: in the caption
/// corpus 65,536 distinct tokens make up 95 % of all tokens). Rows are a function of the word's bytes and the model,
/// so a cached word gives exactly the rows it would have been given. Bounded: when full it starts again empty. One per
/// predictor, not thread-safe.
/// </summary>
internal sealed class UnknownWordRows
{
    /// <summary>Words longer than this are not kept (they are rare and their rows long).</summary>
    internal const int MaxWordBytes = 64;

    /// <summary>The default table: 65,536 slots for 32,768 words (under 2 MiB with their bytes and rows; larger tables, which miss the CPU caches more, were no faster: bench/RESULTS.md).</summary>
    internal const int DefaultSlotBits = 16;

    private readonly Slot[] _slots;
    private readonly byte[] _words;
    private readonly int[] _rows;
    private readonly int _maxWords;
    private int _count;
    private int _wordBytes;
    private int _rowCount;

    /// <param name="slotBits">The table has 2^slotBits slots and holds half as many words, with 8 bytes and 4 rows per word on average.</param>
    public UnknownWordRows(int slotBits = DefaultSlotBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotBits, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotBits, 24);
        _slots = new Slot[1 << slotBits];
        _maxWords = _slots.Length / 2;
        _words = new byte[_maxWords * 8];
        _rows = new int[_maxWords * 4];
    }

    /// <summary>Times the table was emptied because it was full.</summary>
    public int Resets { get; private set; }

    /// <summary>Words held now.</summary>
    public int Count => _count;

    /// <summary>Rows held now (the words' rows together).</summary>
    public int RowCount => _rowCount;

    /// <summary>Bytes of the words held now.</summary>
    public int WordBytes => _wordBytes;

    /// <summary>The rows of <paramref name="word"/> (whose fastText hash is <paramref name="hash"/>), if it is held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(ReadOnlySpan<byte> word, uint hash, out ReadOnlySpan<int> rows)
    {
        int mask = _slots.Length - 1;
        for (int slot = (int)(hash & (uint)mask); ; slot = (slot + 1) & mask)
        {
            ref readonly var s = ref _slots[slot];
            if (s.WordLength == 0)
            {
                rows = default;
                return false;
            }

            if (s.Hash == hash && s.WordLength == word.Length && _words.AsSpan(s.WordStart, s.WordLength).SequenceEqual(word))
            {
                rows = _rows.AsSpan(s.RowStart, s.RowCount);
                return true;
            }
        }
    }

    /// <summary>Keeps <paramref name="rows"/> as the rows of <paramref name="word"/>, which is not held (empties the table first when it is full).</summary>
    public void Add(ReadOnlySpan<byte> word, uint hash, ReadOnlySpan<int> rows)
    {
        if (word.Length is 0 or > MaxWordBytes || word.Length > _words.Length || rows.Length > _rows.Length)
        {
            return;
        }

        if (_count == _maxWords || _wordBytes + word.Length > _words.Length || _rowCount + rows.Length > _rows.Length)
        {
            Array.Clear(_slots);
            _count = _wordBytes = _rowCount = 0;
            Resets++;
        }

        int mask = _slots.Length - 1;
        int slot = (int)(hash & (uint)mask);
        while (_slots[slot].WordLength != 0)
        {
            slot = (slot + 1) & mask;
        }

        word.CopyTo(_words.AsSpan(_wordBytes));
        rows.CopyTo(_rows.AsSpan(_rowCount));
        _slots[slot] = new Slot(hash, _wordBytes, _rowCount, (ushort)word.Length, (ushort)rows.Length);
        _wordBytes += word.Length;
        _rowCount += rows.Length;
        _count++;
    }

    // 16 bytes; an empty slot has WordLength 0 (no word is empty).
    private readonly record struct Slot(uint Hash, int WordStart, int RowStart, ushort WordLength, ushort RowCount);
}
