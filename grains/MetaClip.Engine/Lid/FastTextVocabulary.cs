using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Lid;

/// <summary>
/// A fastText dictionary, the vocabulary (0.9.2 <c>Dictionary</c>): the words and labels with their counts, the pruned
/// bucket table of quantized models, and the subword rows of every word. Turns one text into the list of
/// input rows fastText averages, exactly as <c>Dictionary::getLine</c> does.
/// </summary>
public sealed class FastTextVocabulary
{
    public const string EndOfSentence = "</s>";
    public const string LabelPrefix = "__label__";
    private const int Bow = '<';
    private const int Eow = '>';

    private static ReadOnlySpan<byte> LabelPrefixBytes => "__label__"u8;

    private static ReadOnlySpan<byte> EndOfSentenceBytes => "</s>"u8;

    private readonly byte[] _words;
    private readonly int[] _wordStart;
    private readonly bool[] _isLabel;
    private readonly int[] _table;
    private readonly int _tableMask;
    private readonly int[] _subwords;
    private readonly int[] _subwordStart;
    private readonly PruneIndex? _prune;
    private readonly bool _pruneToNothing;
    private readonly int _minN;
    private readonly int _maxN;
    private readonly uint _bucket;
    private readonly ulong _bucketMagic;
    private readonly int _wordNgrams;

    internal FastTextVocabulary(List<(byte[] Word, long Count, bool IsLabel)> entries, int nwords, int nlabels,
        long pruneSize, int[] pruneBuckets, int[] pruneRows, FastTextArgs args)
    {
        Count = entries.Count;
        WordCount = nwords;
        LabelCount = nlabels;
        _minN = args.MinN;
        _maxN = args.MaxN;
        _bucket = (uint)args.Bucket;
        _bucketMagic = _bucket == 0 ? 0 : (ulong.MaxValue / _bucket) + 1;
        _wordNgrams = args.WordNgrams;
        _pruneToNothing = pruneSize == 0;
        _prune = pruneSize > 0 ? new PruneIndex(pruneBuckets, pruneRows, args.Bucket) : null;
        MaxPrunedRow = pruneRows.Length == 0 ? -1 : pruneRows.Max();

        _wordStart = new int[entries.Count + 1];
        _isLabel = new bool[entries.Count];
        int total = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            _wordStart[i] = total;
            total += entries[i].Word.Length;
            _isLabel[i] = entries[i].IsLabel;
        }

        _wordStart[entries.Count] = total;
        _words = new byte[total];
        for (int i = 0; i < entries.Count; i++)
        {
            entries[i].Word.CopyTo(_words, _wordStart[i]);
        }

        // Word lookup: open addressing on fastText's own hash of the word.
        int size = 1;
        while (size < Math.Max(16, entries.Count * 2))
        {
            size <<= 1;
        }

        _table = new int[size];
        _tableMask = size - 1;
        Array.Fill(_table, -1);
        for (int i = 0; i < entries.Count; i++)
        {
            int slot = (int)(Hash(Word(i)) & (uint)_tableMask);
            while (_table[slot] >= 0)
            {
                slot = (slot + 1) & _tableMask;
            }

            _table[slot] = i;
        }

        var labelCounts = new long[nlabels];
        var labels = new string[nlabels];
        for (int i = 0; i < nlabels; i++)
        {
            labelCounts[i] = entries[nwords + i].Count;
            labels[i] = System.Text.Encoding.UTF8.GetString(entries[nwords + i].Word);
        }

        LabelCounts = labelCounts;
        Labels = labels;

        // Every word's rows: its own id, then its character n-grams (none for </s>, none when maxn is 0).
        _subwordStart = new int[entries.Count + 1];
        var subwords = new List<int>(entries.Count * 8);
        var scratch = new byte[256];
        var rows = new IntList();
        for (int i = 0; i < entries.Count; i++)
        {
            _subwordStart[i] = subwords.Count;
            subwords.Add(i);
            var word = Word(i);
            if (!word.SequenceEqual(EndOfSentenceBytes))
            {
                if (scratch.Length < word.Length + 2)
                {
                    scratch = new byte[word.Length + 2];
                }

                rows.Clear();
                AddCharNgrams(Bracketed(word, scratch), ref rows);
                for (int r = 0; r < rows.Count; r++)
                {
                    subwords.Add(rows[r]);
                }
            }
        }

        _subwordStart[entries.Count] = subwords.Count;
        _subwords = [.. subwords];
    }

    /// <summary>Words and labels.</summary>
    public int Count { get; }

    public int WordCount { get; }

    public int LabelCount { get; }

    /// <summary>The labels in model order, with their <c>__label__</c> prefix.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Each label's count in the training data (they shape the hierarchical-softmax tree).</summary>
    public IReadOnlyList<long> LabelCounts { get; }

    /// <summary>The highest n-gram row the prune table maps a bucket to (-1 without one).</summary>
    internal int MaxPrunedRow { get; }

    /// <summary>True when the model's n-gram buckets were pruned (quantized models).</summary>
    public bool IsPruned => _prune is not null || _pruneToNothing;

    /// <summary>The bytes of word or label <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> Word(int id) => _words.AsSpan(_wordStart[id], _wordStart[id + 1] - _wordStart[id]);

    /// <summary>
    /// fastText's hash: 32-bit FNV-1a in which every byte is sign-extended before the xor (fastText XORs
    /// <c>uint32_t(int8_t(c))</c>), so bytes ≥ 0x80 flip the high 24 bits too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<byte> bytes)
    {
        uint h = 2166136261;
        foreach (byte b in bytes)
        {
            h = (h ^ (uint)(sbyte)b) * 16777619;
        }

        return h;
    }

    /// <summary>The id of a word or label, or -1 (fastText <c>getId</c>).</summary>
    public int Find(ReadOnlySpan<byte> word, uint hash)
    {
        int slot = (int)(hash & (uint)_tableMask);
        while (true)
        {
            int id = _table[slot];
            if (id < 0)
            {
                return -1;
            }

            if (Word(id).SequenceEqual(word))
            {
                return id;
            }

            slot = (slot + 1) & _tableMask;
        }
    }

    /// <summary>The input rows of word <paramref name="id"/>: its own row, then its n-gram rows.</summary>
    public ReadOnlySpan<int> Subwords(int id) => _subwords.AsSpan(_subwordStart[id], _subwordStart[id + 1] - _subwordStart[id]);

    /// <summary>
    /// The input rows of one line (fastText <c>getLine</c>): tokens split on ASCII space, <c>\t \v \f \r</c>
    /// and NUL (nothing else, so NBSP or U+3000 stay inside a token); each in-vocabulary word adds its row and
    /// its n-gram rows, each unknown word only its n-gram rows, a <c>__label__</c> token nothing; the text
    /// ends at a newline, which is the end-of-sentence token <c>&lt;/s&gt;</c>, or at a literal
    /// <c>&lt;/s&gt;</c> token. <paramref name="endsWithNewline"/> says whether a newline follows the bytes
    /// (it adds <c>&lt;/s&gt;</c>; the last line of a file without one has none). Returns how many bytes were
    /// read; <paramref name="endedByToken"/> says a literal <c>&lt;/s&gt;</c> token ended the text (the CLI then
    /// predicts what follows it on the line as a text of its own).
    /// </summary>
    public int AddLine(ReadOnlySpan<byte> text, bool endsWithNewline, ref IntList rows, ref IntList wordHashes, Span<byte> scratch, out bool endedByToken) =>
        AddLine(text, endsWithNewline, ref rows, ref wordHashes, scratch, null, out endedByToken);

    /// <summary>
    /// <see cref="AddLine(ReadOnlySpan{byte}, bool, ref IntList, ref IntList, Span{byte}, out bool)"/>, taking the rows of
    /// words from <paramref name="words"/> when it holds them and keeping those it computes there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe int AddLine(ReadOnlySpan<byte> text, bool endsWithNewline, ref IntList rows, ref IntList wordHashes, Span<byte> scratch, WordRowsCache? words,
        out bool endedByToken)
    {
        wordHashes.Clear();
        endedByToken = false;
        int i = 0;
        bool ended = false;
        while (true)
        {
            while (i < text.Length && IsSeparator(text[i]))
            {
                if (text[i] == (byte)'\n')
                {
                    break;
                }

                i++;
            }

            ReadOnlySpan<byte> token;
            if (i >= text.Length || text[i] == (byte)'\n')
            {
                if (!endsWithNewline && i >= text.Length)
                {
                    break;
                }

                token = EndOfSentenceBytes;
                i = i < text.Length ? i + 1 : i;
                ended = true;
            }
            else
            {
                int start = i;
                while (i < text.Length && !IsSeparator(text[i]))
                {
                    i++;
                }

                token = text[start..i];
                if (i < text.Length && text[i] != (byte)'\n')
                {
                    i++; // the separator after a word is consumed with it; a newline is left for the next read
                }
            }

            WordRowsCache.WordKey key = default;
            uint h;
            bool isLabel;
            if (words is not null && words.TryGet(token, out key, out h, out isLabel, out int* known, out int knownCount))
            {
                if (!isLabel)
                {
                    rows.AddUpToEight(known, knownCount);
                }
            }
            else
            {
                int first = rows.Count;
                h = Hash(token);
                int wid = Find(token, h);
                isLabel = wid < 0 ? token.StartsWith(LabelPrefixBytes) : _isLabel[wid];
                if (!isLabel)
                {
                    if (wid >= 0)
                    {
                        if (_maxN <= 0)
                        {
                            rows.Add(wid);
                        }
                        else
                        {
                            rows.AddRange(Subwords(wid));
                        }
                    }
                    else if (!token.SequenceEqual(EndOfSentenceBytes))
                    {
                        AddCharNgrams(Bracketed(token, scratch), ref rows);
                    }
                }

                words?.Add(key, h, isLabel, rows.AsSpan()[first..]);
            }

            if (!isLabel && _wordNgrams > 1)
            {
                wordHashes.Add((int)h);
            }

            if (ended)
            {
                break;
            }

            if (token.SequenceEqual(EndOfSentenceBytes))
            {
                endedByToken = true;
                break;
            }
        }

        AddWordNgrams(ref rows, ref wordHashes);
        return i;
    }

    /// <summary>The scratch bytes a line of <paramref name="textBytes"/> needs for its longest token.</summary>
    public static int ScratchSize(int textBytes) => textBytes + 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSeparator(byte c) => c <= (byte)' ' && ((SeparatorBits >> c) & 1) != 0;

    // Bit c set for the separator bytes: NUL, \t \n \v \f \r and space.
    private const ulong SeparatorBits = (1UL << 0) | (1UL << '\t') | (1UL << '\n') | (1UL << '\v') | (1UL << '\f') | (1UL << '\r') | (1UL << ' ');

    private static ReadOnlySpan<byte> Bracketed(ReadOnlySpan<byte> word, Span<byte> scratch)
    {
        scratch[0] = Bow;
        word.CopyTo(scratch[1..]);
        scratch[word.Length + 1] = Eow;
        return scratch[..(word.Length + 2)];
    }

    /// <summary>
    /// fastText <c>computeSubwords</c>: every n-gram of minn…maxn code points (UTF-8 continuation bytes stay
    /// with their lead byte) of <c>&lt;word&gt;</c>, except the lone <c>&lt;</c> and <c>&gt;</c>, hashed into the
    /// buckets and mapped through the prune table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddCharNgrams(ReadOnlySpan<byte> word, ref IntList rows)
    {
        for (int i = 0; i < word.Length; i++)
        {
            if ((word[i] & 0xC0) == 0x80)
            {
                continue;
            }

            uint h = 2166136261;
            for (int j = i, n = 1; j < word.Length && n <= _maxN; n++)
            {
                h = (h ^ (uint)(sbyte)word[j++]) * 16777619;
                while (j < word.Length && (word[j] & 0xC0) == 0x80)
                {
                    h = (h ^ (uint)(sbyte)word[j++]) * 16777619;
                }

                if (n >= _minN && !(n == 1 && (i == 0 || j == word.Length)))
                {
                    PushBucket(ref rows, (int)BucketOf(h));
                }
            }
        }
    }

    /// <summary>
    /// <c>h % bucket</c> without a division (Lemire's fastmod, exact for every 32-bit <paramref name="h"/>); a
    /// model without buckets has no n-gram rows (fastText would divide by zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint BucketOf(uint h) => _bucket == 0 ? uint.MaxValue : (uint)Math.BigMul(_bucketMagic * h, _bucket, out _);

    /// <summary>fastText <c>addWordNgrams</c>: hashes of 2…wordNgrams consecutive words (none when 1).</summary>
    private void AddWordNgrams(ref IntList rows, ref IntList hashes)
    {
        if (_wordNgrams <= 1)
        {
            return;
        }

        for (int i = 0; i < hashes.Count; i++)
        {
            ulong h = (ulong)(long)hashes[i];
            for (int j = i + 1; j < hashes.Count && j < i + _wordNgrams; j++)
            {
                h = (h * 116049371) + (ulong)(long)hashes[j];
                PushBucket(ref rows, _bucket == 0 ? -1 : (int)(h % _bucket));
            }
        }
    }

    /// <summary>fastText <c>pushHash</c>: a bucket's row, through the prune table when the model was pruned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushBucket(ref IntList rows, int bucket)
    {
        if (_pruneToNothing || bucket < 0)
        {
            return;
        }

        if (_prune is not null)
        {
            bucket = _prune.Find(bucket);
            if (bucket < 0)
            {
                return;
            }
        }

        rows.Add(WordCount + bucket);
    }

    /// <summary>
    /// The pruned bucket table: bucket → row offset after the words. A bit per bucket says whether it was kept
    /// (2M buckets: 256 KiB, cache-resident), so the common case, a bucket pruned away, costs one bit test;
    /// kept buckets are found by open addressing.
    /// </summary>
    internal sealed class PruneIndex
    {
        private readonly ulong[] _kept;
        private readonly long[] _slots;
        private readonly int _mask;

        public PruneIndex(int[] buckets, int[] rows, int bucketCount)
        {
            int highest = bucketCount - 1;
            foreach (int bucket in buckets)
            {
                highest = Math.Max(highest, bucket);
            }

            _kept = new ulong[(highest + 64) / 64];
            int size = 1;
            while (size < Math.Max(16, buckets.Length * 2))
            {
                size <<= 1;
            }

            _slots = new long[size];
            _mask = size - 1;
            Array.Fill(_slots, -1L);
            for (int i = 0; i < buckets.Length; i++)
            {
                int bucket = buckets[i];
                if (bucket < 0)
                {
                    continue;
                }

                _kept[bucket >> 6] |= 1UL << (bucket & 63);
                int slot = Slot(bucket);
                while (_slots[slot] >= 0 && (int)(_slots[slot] >> 32) != bucket)
                {
                    slot = (slot + 1) & _mask;
                }

                _slots[slot] = ((long)bucket << 32) | (uint)rows[i];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Slot(int bucket) => (int)(((uint)bucket * 2654435769u) >> 7) & _mask;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Find(int bucket)
        {
            int word = bucket >> 6;
            if ((uint)word >= (uint)_kept.Length || (_kept[word] & (1UL << (bucket & 63))) == 0)
            {
                return -1;
            }

            int slot = Slot(bucket);
            while (true)
            {
                long entry = _slots[slot];
                if (entry < 0)
                {
                    return -1;
                }

                if ((int)(entry >> 32) == bucket)
                {
                    return (int)(uint)entry;
                }

                slot = (slot + 1) & _mask;
            }
        }
    }
}

/// <summary>A growable list of ints that a predictor reuses from text to text (a text's input rows, its word hashes).</summary>
public struct IntList
{
    private int[] _items;

    public int Count { get; private set; }

    public readonly int this[int index] => _items[index];

    public readonly ReadOnlySpan<int> AsSpan() => _items.AsSpan(0, Count);

    public void Clear()
    {
        _items ??= new int[64];
        Count = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int row)
    {
        _items ??= new int[64];
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = row;
    }

    /// <summary>Adds <paramref name="count"/> (at most 8) ints from <paramref name="source"/>, which has 8 readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe void AddUpToEight(int* source, int count)
    {
        _items ??= new int[64];
        if (Count + 8 > _items.Length)
        {
            Array.Resize(ref _items, Math.Max(_items.Length * 2, Count + 8));
        }

        Unsafe.WriteUnaligned(ref Unsafe.As<int, byte>(ref _items[Count]), Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector256<int>>(source));
        Count += count;
    }

    public void AddRange(ReadOnlySpan<int> rows)
    {
        _items ??= new int[64];
        if (Count + rows.Length > _items.Length)
        {
            Array.Resize(ref _items, Math.Max(_items.Length * 2, Count + rows.Length));
        }

        rows.CopyTo(_items.AsSpan(Count));
        Count += rows.Length;
    }
}
