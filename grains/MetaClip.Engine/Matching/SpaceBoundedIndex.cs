using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Matching;

/// <summary>
/// How a <see cref="SpaceBoundedIndex"/> verifies a hit: both find exactly the same ids, in the same order.
/// </summary>
public enum SpaceBoundedLayout
{
    /// <summary>
    /// Against the list's own block of entries (<see cref="Metadata.EntryTexts"/>), through an id array and a chain
    /// array: nothing is copied (8 bytes per entry besides the table), but a hit costs three or four cache misses.
    /// </summary>
    Strings,

    /// <summary>
    /// Against per-entry records (length, id, next record of the chain, then the entry's UTF-16 units) in one
    /// array, prefetched and verified in batches: about one overlapped miss per hit, but every entry's
    /// characters are held a second time (<see cref="SpaceBoundedIndex.RecordBytes"/>).
    /// </summary>
    Records,
}

/// <summary>
/// Finds the entries that are padded with a space on both sides (<c>" e "</c>) — nearly all entries of a
/// space-delimited language — without walking a trie. Such an entry matches exactly when, for some two
/// space positions <c>i &lt; j</c> of the spaced text, the span between them equals <c>e</c>. The index hashes
/// each token (the units between two spaces) once; a span's hash combines the hashes of its tokens. For each
/// space position it looks up the spans to the following spaces one after another in an open-addressing table
/// of entries and of their prefixes that end before a space; the walk from one start stops at the first span
/// that is no such prefix. Every hit is verified character by character (<see cref="SpaceBoundedLayout"/>), so
/// a hash collision can cost time but never change a result. Immutable after construction and thread-safe.
/// </summary>
public sealed class SpaceBoundedIndex
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15UL;
    private const ulong TokenSeed = 0xCBF29CE484222325UL;
    private const ulong SpanSeed = 0x27D4EB2F165667C5UL;
    private const int IsPrefix = 1;
    private const int NoEntry = 0;

    /// <summary>Ints before a record's units: its length, its id, the next record of its chain (or -1).</summary>
    private const int RecordHeader = 3;

    /// <summary>Candidates noted (and their records prefetched) before they are verified together.</summary>
    private const int CandidateBatch = 32;

    /// <summary>
    /// The most ints the records may take: a slot holds (record + 1) &lt;&lt; 1 in an int, so a record must start
    /// below 2^30 - 1.
    /// </summary>
    private const long MaxRecordInts = (1L << 30) - 2;

    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly int _shift;
    private readonly int _count;

    // Strings layout: the slots hold entry numbers; a hit is verified against entry e's units (_texts at _textOf[e], or
    // at e when _textOf is null: the list's own block, no string per entry) and reported as _ids[e], and the chain of
    // entries with the same fingerprint goes on at _sameHashNext[e].
    private readonly EntryTexts _texts;
    private readonly int[]? _textOf;
    private readonly int[] _ids;
    private readonly int[] _sameHashNext;

    // Records layout: the slots hold record offsets into _records, where each entry's record (in entry order)
    // holds all a hit needs, so verifying it costs one miss where the strings layout costs three or four. The
    // three arrays above are then empty: only the records are kept (at 27M entries every byte per entry is
    // 27 MB). The file keeps entry numbers either way (see Write).
    private readonly int[]? _records;

    /// <param name="entries">The entries (without their padding).</param>
    /// <param name="ids">The id to report for each entry.</param>
    /// <param name="layout">How hits are verified (the same ids either way).</param>
    public SpaceBoundedIndex(IReadOnlyList<string> entries, IReadOnlyList<int> ids, SpaceBoundedLayout layout = SpaceBoundedLayout.Strings)
        : this(EntryTexts.From(entries ?? throw new ArgumentNullException(nameof(entries))), null, [.. ids ?? throw new ArgumentNullException(nameof(ids))], layout)
    {
    }

    /// <summary>
    /// An index of entries <paramref name="textOf"/> of <paramref name="texts"/> (all of them, in order, when null),
    /// reported as <paramref name="ids"/>; the strings layout verifies against <paramref name="texts"/> itself and keeps
    /// <paramref name="textOf"/> and <paramref name="ids"/> (arrays the caller gives away; they may be one array).
    /// </summary>
    internal SpaceBoundedIndex(EntryTexts texts, int[]? textOf, int[] ids, SpaceBoundedLayout layout)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNotEqual(ids.Length, textOf?.Length ?? texts.Count, nameof(ids));
        bool records = layout == SpaceBoundedLayout.Records;
        _count = ids.Length;
        _texts = texts;
        _textOf = textOf;
        int keys = _count;
        long recordInts = 0;
        for (int i = 0; i < _count; i++)
        {
            var e = TextOf(i);
            keys += e.Count(' ');
            recordInts += RecordInts(e.Length);
        }

        if (records && recordInts > MaxRecordInts)
        {
            throw new InvalidOperationException($"the records of {_count:N0} entries take {recordInts * sizeof(int):N0} bytes, more than the table can address; use {nameof(SpaceBoundedLayout.Strings)}");
        }

        // Records are written as the entries are inserted (a slot then holds its first entry's record offset, and
        // each record the offset of the next one of its chain), so no per-entry array is made besides them.
        _records = records ? new int[recordInts] : null;
        _ids = records ? [] : ids;
        _sameHashNext = records ? [] : new int[_count];
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, keys * 2));
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _shift = 32 - BitOperations.Log2((uint)capacity);
        for (int i = 0, record = 0; i < _count; i++)
        {
            var entry = TextOf(i);
            ulong hash = SpanSeed;
            int tokenStart = 0;
            for (int k = 0; k < entry.Length; k++)
            {
                if (entry[k] == ' ')
                {
                    hash = Combine(hash, TokenHash(entry.Slice(tokenStart, k - tokenStart)));
                    Find(hash, create: true).Value |= IsPrefix;
                    tokenStart = k + 1;
                }
            }

            hash = Combine(hash, TokenHash(entry[tokenStart..]));

            ref Slot slot = ref Find(hash, create: true);
            if (_records is not null)
            {
                _records[record] = entry.Length;
                _records[record + 1] = ids[i];
                _records[record + 2] = slot.FirstEntry;
                entry.CopyTo(MemoryMarshal.Cast<int, char>(_records.AsSpan(record + RecordHeader)));
                slot.Value = ((record + 1) << 1) | (slot.Value & IsPrefix);
                record += RecordInts(entry.Length);
            }
            else
            {
                _sameHashNext[i] = slot.FirstEntry;
                slot.Value = ((i + 1) << 1) | (slot.Value & IsPrefix);
            }
        }

        if (records)
        {
            // A records index holds every entry's units itself.
            _texts = EntryTexts.Empty;
            _textOf = null;
        }
    }

    /// <summary>An index of the strings layout over a table whose slots hold entry numbers.</summary>
    private SpaceBoundedIndex(Slot[] slots, EntryTexts texts, int[]? textOf, int[] ids, int[] sameHashNext)
    {
        _slots = slots;
        _mask = slots.Length - 1;
        _shift = 32 - BitOperations.Log2((uint)slots.Length);
        _count = ids.Length;
        _texts = texts;
        _textOf = textOf;
        _ids = ids;
        _sameHashNext = sameHashNext;
    }

    /// <summary>An index of the records layout (the slots already point to records).</summary>
    private SpaceBoundedIndex(Slot[] slots, int count, int[] records)
    {
        _slots = slots;
        _mask = slots.Length - 1;
        _shift = 32 - BitOperations.Log2((uint)slots.Length);
        _count = count;
        _records = records;
        _texts = EntryTexts.Empty;
        _ids = [];
        _sameHashNext = [];
    }

    /// <summary>Number of entries.</summary>
    public int Count => _count;

    /// <summary>How hits are verified.</summary>
    public SpaceBoundedLayout Layout => _records is null ? SpaceBoundedLayout.Strings : SpaceBoundedLayout.Records;

    /// <summary>Bytes held by the table (in the strings layout an index made from a list shares the list's units and counts none of them).</summary>
    public long SizeInBytes => ((long)_slots.Length * Unsafe.SizeOf<Slot>()) + ((long)(_ids.Length + _sameHashNext.Length + (_records?.Length ?? 0)) * sizeof(int)) +
        (_textOf is null ? (_texts.TotalLength * sizeof(char)) + ((long)_texts.Count * sizeof(int)) : ReferenceEquals(_textOf, _ids) ? 0 : (long)_textOf.Length * sizeof(int));

    /// <summary>The units of entry <paramref name="e"/> (strings layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<char> TextOf(int e) => _texts.Span(_textOf is null ? e : _textOf[e]);

    /// <summary>Entries that share their fingerprint with an earlier entry (so a hit on it walks a chain); for tests.</summary>
    internal int ChainedEntries
    {
        get
        {
            if (_records is null)
            {
                return _sameHashNext.Count(next => next >= 0);
            }

            int chained = 0;
            for (int i = 0, r = 0; i < _count; i++, r += RecordInts(_records[r]))
            {
                chained += _records[r + 2] >= 0 ? 1 : 0;
            }

            return chained;
        }
    }

    /// <summary>The bytes the records of these entries take (<see cref="SpaceBoundedLayout.Records"/>).</summary>
    public static long RecordBytes(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        long ints = 0;
        foreach (string entry in entries)
        {
            ints += RecordInts(entry.Length);
        }

        return ints * sizeof(int);
    }

    /// <summary>True when records of this many bytes can be addressed by the table's slots.</summary>
    public static bool RecordsFit(long recordBytes) => recordBytes <= MaxRecordInts * sizeof(int);

    /// <summary>This index in <paramref name="layout"/> (itself when it has that layout already): the same ids, in the same order.</summary>
    public SpaceBoundedIndex WithLayout(SpaceBoundedLayout layout)
    {
        if (layout == Layout)
        {
            return this;
        }

        if (layout == SpaceBoundedLayout.Records)
        {
            var slots = (Slot[])_slots.Clone();
            return new SpaceBoundedIndex(slots, _count, BuildRecords(this, slots));
        }

        var (ids, sameHashNext, entrySlots) = EntryNumbersOfRecords();
        var records = _records!;
        var lengths = new int[_count];
        long units = 0;
        for (int i = 0, r = 0; i < _count; i++, r += RecordInts(records[r]))
        {
            lengths[i] = records[r];
            units += records[r];
        }

        var block = new char[units];
        for (int i = 0, r = 0, at = 0; i < _count; at += records[r], i++, r += RecordInts(records[r]))
        {
            MemoryMarshal.Cast<int, char>(records.AsSpan(r + RecordHeader))[..records[r]].CopyTo(block.AsSpan(at));
        }

        return new SpaceBoundedIndex(entrySlots, EntryTexts.FromBlock(block, lengths), null, ids, sameHashNext);
    }

    /// <summary>Where each entry's record starts (records are in entry order).</summary>
    private int[] RecordOffsets()
    {
        var records = _records!;
        var recordOf = new int[_count];
        for (int i = 0, r = 0; i < _count; i++)
        {
            recordOf[i] = r;
            r += RecordInts(records[r]);
        }

        return recordOf;
    }

    /// <summary>
    /// <see cref="WithLayout"/> that turns this index's slots in place instead of copying them (a table can be
    /// hundreds of megabytes): only for an index no one else holds, such as one just read, which must not be
    /// used afterwards.
    /// </summary>
    internal SpaceBoundedIndex ConsumeIntoLayout(SpaceBoundedLayout layout) =>
        layout == SpaceBoundedLayout.Records && _records is null
            ? new SpaceBoundedIndex(_slots, _count, BuildRecords(this, _slots))
            : WithLayout(layout);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RecordInts(int length) => RecordHeader + ((length + 1) / 2);

    /// <summary>The bytes the record of an entry of <paramref name="length"/> units takes (<see cref="SpaceBoundedLayout.Records"/>).</summary>
    public static long RecordBytesOf(int length) => (long)RecordInts(length) * sizeof(int);

    /// <summary>
    /// The records of the entries, in entry order, and the slots turned from entry numbers to record offsets.
    /// </summary>
    private static int[] BuildRecords(SpaceBoundedIndex strings, Slot[] slots)
    {
        int count = strings._count;
        var (ids, sameHashNext) = (strings._ids, strings._sameHashNext);
        var recordOf = new int[count];
        long size = 0;
        for (int i = 0; i < count; i++)
        {
            recordOf[i] = (int)Math.Min(size, int.MaxValue);
            size += RecordInts(strings.TextOf(i).Length);
        }

        if (size > MaxRecordInts)
        {
            throw new InvalidOperationException($"the records of {count:N0} entries take {size * sizeof(int):N0} bytes, more than the table can address; use {nameof(SpaceBoundedLayout.Strings)}");
        }

        var records = new int[size];
        for (int i = 0; i < count; i++)
        {
            int r = recordOf[i];
            var entry = strings.TextOf(i);
            records[r] = entry.Length;
            records[r + 1] = ids[i];
            records[r + 2] = sameHashNext[i] < 0 ? -1 : recordOf[sameHashNext[i]];
            entry.CopyTo(MemoryMarshal.Cast<int, char>(records.AsSpan(r + RecordHeader)));
        }

        foreach (ref Slot slot in slots.AsSpan())
        {
            if (slot.FirstEntry >= 0)
            {
                slot.Value = ((recordOf[slot.FirstEntry] + 1) << 1) | (slot.Value & IsPrefix);
            }
        }

        return records;
    }

    /// <summary>
    /// The records layout taken back to entry numbers: the entries' ids and chains, and a copy of the slots that
    /// holds entry numbers. Records are in entry order, so a record's entry is found by search.
    /// </summary>
    private (int[] Ids, int[] SameHashNext, Slot[] Slots) EntryNumbersOfRecords()
    {
        var records = _records!;
        var recordOf = RecordOffsets();
        var ids = new int[_count];
        var sameHashNext = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            int r = recordOf[i];
            ids[i] = records[r + 1];
            sameHashNext[i] = records[r + 2] < 0 ? -1 : Array.BinarySearch(recordOf, records[r + 2]);
        }

        var slots = (Slot[])_slots.Clone();
        foreach (ref Slot slot in slots.AsSpan())
        {
            if (slot.FirstEntry >= 0)
            {
                slot.Value = ((Array.BinarySearch(recordOf, slot.FirstEntry) + 1) << 1) | (slot.Value & IsPrefix);
            }
        }

        return (ids, sameHashNext, slots);
    }

    /// <summary>
    /// Appends the id of every entry found in <paramref name="spaced"/> (a spaced text: it starts and ends
    /// with a space), once per occurrence. <paramref name="spaces"/> holds the positions of its spaces, ascending.
    /// </summary>
    public void FindAll(ReadOnlySpan<char> spaced, ReadOnlySpan<int> spaces, ref MatchList matches) =>
        FindAll(spaced, spaces, new ulong[Math.Max(0, spaces.Length - 1)], ref matches);

    /// <summary>
    /// <see cref="FindAll(ReadOnlySpan{char}, ReadOnlySpan{int}, ref MatchList)"/> with a caller's buffer of at
    /// least <c>spaces.Length - 1</c> units for the token hashes, so the hot path allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void FindAll(ReadOnlySpan<char> spaced, ReadOnlySpan<int> spaces, Span<ulong> tokenHashes, ref MatchList matches)
    {
        int tokens = spaces.Length - 1;
        if (_count == 0 || tokens <= 0)
        {
            return;
        }

        ref Slot slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref char text = ref MemoryMarshal.GetReference(spaced);
        var hashes = tokenHashes[..tokens];

        // Each token is hashed once, and the home slot of every one-token span is requested before any is
        // probed: the table is far larger than the L2, and these loads do not depend on one another, so
        // their misses overlap instead of being paid one after another in the walks below. The two-token
        // spans are requested too: a first token is often the prefix of some entry, and the walk would then
        // wait for that slot (measured: a little faster than the one-token spans alone).
        for (int k = 0; k < hashes.Length; k++)
        {
            int start = spaces[k] + 1;
            int length = spaces[k + 1] - start;
            ulong token = start + 4 <= spaced.Length
                ? TokenHashInside(ref Unsafe.Add(ref text, start), length)
                : TokenHash(spaced.Slice(start, length));
            hashes[k] = token;
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref slots, Home(Fingerprint(Combine(SpanSeed, token))))));
                if (k > 0)
                {
                    Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref slots, Home(Fingerprint(Combine(Combine(SpanSeed, hashes[k - 1]), token))))));
                }
            }
        }

        if (_records is null)
        {
            var strings = new StringsVerifier(this, spaced);
            Walk(ref slots, spaces, hashes, ref strings, ref matches);
        }
        else
        {
            var records = new RecordsVerifier(ref MemoryMarshal.GetArrayDataReference(_records), spaced, stackalloc Candidate[CandidateBatch]);
            Walk(ref slots, spaces, hashes, ref records, ref matches);
            records.Flush(ref matches);
        }
    }

    /// <summary>
    /// The walks: from each space, the spans to the following spaces are looked up one after another until one is no
    /// entry's prefix; a span whose fingerprint has entries goes to <paramref name="verifier"/>. Generic over the
    /// layout's verifier (a struct), so each layout gets its own compiled loop with the verifier inlined.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Walk<TVerifier>(ref Slot slots, ReadOnlySpan<int> spaces, ReadOnlySpan<ulong> hashes, ref TVerifier verifier, ref MatchList matches)
        where TVerifier : IHitVerifier, allows ref struct
    {
        for (int a = 0; a < hashes.Length; a++)
        {
            int start = spaces[a] + 1;
            ulong hash = SpanSeed;
            for (int b = a; b < hashes.Length; b++)
            {
                hash = Combine(hash, hashes[b]);
                ref Slot slot = ref Lookup(ref slots, hash);
                if (Unsafe.IsNullRef(ref slot))
                {
                    break;
                }

                if (slot.Value >= 2)
                {
                    verifier.Hit(slot.FirstEntry, start, spaces[b + 1] - start, ref matches);
                }

                if ((slot.Value & IsPrefix) == 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>What a walk does with a span whose fingerprint has entries.</summary>
    private interface IHitVerifier
    {
        /// <summary>The span <paramref name="start"/>..+<paramref name="length"/> of the text hit a slot whose first entry is <paramref name="first"/>.</summary>
        void Hit(int first, int start, int length, ref MatchList matches);
    }

    /// <summary>The strings layout: a hit is verified at once against the list's strings, along its chain.</summary>
    private readonly ref struct StringsVerifier(SpaceBoundedIndex index, ReadOnlySpan<char> spaced) : IHitVerifier
    {
        private readonly ReadOnlySpan<char> _spaced = spaced;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Hit(int first, int start, int length, ref MatchList matches)
        {
            var span = _spaced.Slice(start, length);
            for (int e = first; e >= 0; e = index._sameHashNext[e])
            {
                if (span.SequenceEqual(index.TextOf(e)))
                {
                    matches.Add(index._ids[e]);
                }
            }
        }
    }

    /// <summary>
    /// The records layout: a hit is only noted and its record requested; the noted hits are verified in batches, in
    /// the order they were found (<see cref="Flush"/> verifies the rest), so the records' misses overlap too.
    /// </summary>
    private ref struct RecordsVerifier(ref int records, ReadOnlySpan<char> spaced, Span<Candidate> candidates) : IHitVerifier
    {
        private readonly ref int _records = ref records;
        private readonly ReadOnlySpan<char> _spaced = spaced;
        private readonly Span<Candidate> _candidates = candidates;
        private int _pending;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Hit(int first, int start, int length, ref MatchList matches)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref _records, first)));
            }

            _candidates[_pending++] = new Candidate(first, start, length);
            if (_pending == _candidates.Length)
            {
                Flush(ref matches);
            }
        }

        /// <summary>Appends the id of every entry of the noted candidates' chains whose units are the candidate's span.</summary>
        public void Flush(ref MatchList matches)
        {
            foreach (var candidate in _candidates[.._pending])
            {
                var span = _spaced.Slice(candidate.Start, candidate.Length);
                for (int r = candidate.Record; r >= 0;)
                {
                    ref int record = ref Unsafe.Add(ref _records, r);
                    if (record == span.Length &&
                        span.SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<int, char>(ref Unsafe.Add(ref record, RecordHeader)), record)))
                    {
                        matches.Add(Unsafe.Add(ref record, 1));
                    }

                    r = Unsafe.Add(ref record, 2);
                }
            }

            _pending = 0;
        }
    }

    /// <summary>
    /// Writes the table (the entries themselves are the list's: only their ids are written). Both layouts
    /// write entry numbers, so a file loads in either.
    /// </summary>
    internal void Write(CompiledWriter writer)
    {
        if (_records is null)
        {
            writer.WriteArray<int>(_ids);
            writer.WriteArray<int>(_sameHashNext);
            writer.WriteArray<Slot>(_slots);
            return;
        }

        // Written in pieces (the same bytes as whole arrays), so a large table is not copied to be written.
        var records = _records;
        var recordOf = RecordOffsets();
        const int Piece = 4096;
        Span<int> ints = stackalloc int[Piece];
        writer.WriteLength(_count);
        for (int start = 0; start < _count; start += Piece)
        {
            int n = Math.Min(Piece, _count - start);
            for (int k = 0; k < n; k++)
            {
                ints[k] = records[recordOf[start + k] + 1];
            }

            writer.WriteValues<int>(ints[..n]);
        }

        writer.WriteLength(_count);
        for (int start = 0; start < _count; start += Piece)
        {
            int n = Math.Min(Piece, _count - start);
            for (int k = 0; k < n; k++)
            {
                int next = records[recordOf[start + k] + 2];
                ints[k] = next < 0 ? -1 : Array.BinarySearch(recordOf, next);
            }

            writer.WriteValues<int>(ints[..n]);
        }

        Span<Slot> slots = stackalloc Slot[Piece];
        writer.WriteLength(_slots.Length);
        for (int start = 0; start < _slots.Length; start += Piece)
        {
            int n = Math.Min(Piece, _slots.Length - start);
            _slots.AsSpan(start, n).CopyTo(slots);
            foreach (ref Slot slot in slots[..n])
            {
                if (slot.FirstEntry >= 0)
                {
                    slot.Value = ((Array.BinarySearch(recordOf, slot.FirstEntry) + 1) << 1) | (slot.Value & IsPrefix);
                }
            }

            writer.WriteValues<Slot>(slots[..n]);
        }
    }

    /// <summary>
    /// Reads a table written by <see cref="Write"/> for a list whose entries are <paramref name="listEntries"/>,
    /// in the strings layout (<see cref="WithLayout"/> turns it into records).
    /// Checks every index the lookups follow, so a damaged table fails here, not in a walk.
    /// </summary>
    internal static SpaceBoundedIndex Read(CompiledReader reader, EntryTexts listEntries)
    {
        var ids = reader.ReadArray<int>("space-bounded ids");
        var sameHashNext = reader.ReadArray<int>("space-bounded chains");
        var slots = reader.ReadArray<Slot>("space-bounded slots");
        if (sameHashNext.Length != ids.Length || slots.Length < 16 || !BitOperations.IsPow2(slots.Length))
        {
            throw reader.Invalid("space-bounded table: inconsistent sizes");
        }

        // A chain of same-hash entries only links to earlier entries (so it ends).
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)listEntries.Count || sameHashNext[i] < -1 || sameHashNext[i] >= i)
            {
                throw reader.Invalid($"space-bounded table: entry {i} points outside the list");
            }
        }

        foreach (var slot in slots)
        {
            if (slot.FirstEntry >= ids.Length)
            {
                throw reader.Invalid("space-bounded table: a slot points outside the entries");
            }
        }

        // The ids are the entries' places in the list, so the list's block serves the strings layout as it is.
        return new SpaceBoundedIndex(slots, listEntries, ids, ids, sameHashNext);
    }

    /// <summary>
    /// The hash of one token (the units between two spaces): four UTF-16 units per multiplication, the last
    /// four read again where they overlap the previous word; a token of fewer than four units is one word,
    /// zero-extended. The length is in the seed, so the overlap and the zero extension cannot make two
    /// tokens equal. The final shift folds the well-mixed high half into the low half that
    /// <see cref="Combine"/> xors in.
    /// </summary>
    internal static ulong TokenHash(ReadOnlySpan<char> token)
    {
        int length = token.Length;
        if (length >= 4)
        {
            return TokenHashInside(ref MemoryMarshal.GetReference(token), length);
        }

        ulong word = 0;
        for (int k = length - 1; k >= 0; k--)
        {
            word = (word << 16) | token[k];
        }

        return Finish(((TokenSeed ^ (uint)length) ^ word) * Multiplier);
    }

    /// <summary>
    /// <see cref="TokenHash"/> for a token at least four units before the end of its buffer: a short token is
    /// read as one 8-byte word and masked, without a loop or a branch on its length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong TokenHashInside(ref char first, int length)
    {
        ulong hash = TokenSeed ^ (uint)length;
        if (length < 4)
        {
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref first)) & ((1UL << (length * 16)) - 1);
            return Finish((hash ^ word) * Multiplier);
        }

        ref byte bytes = ref Unsafe.As<char, byte>(ref first);
        int last = (length - 4) * sizeof(char);
        for (int i = 0; i < last; i += 4 * sizeof(char))
        {
            hash = (hash ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref bytes, i))) * Multiplier;
        }

        return Finish((hash ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref bytes, last))) * Multiplier);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Finish(ulong hash) => hash ^ (hash >> 32);

    /// <summary>The hash of a span extended by one more token (a span's hash starts from <see cref="SpanSeed"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Combine(ulong spanHash, ulong tokenHash) => (spanHash ^ tokenHash) * Multiplier;

    /// <summary>
    /// A span's fingerprint: the top 32 bits of its hash (which the final multiplication mixes best), never 0.
    /// The table position is derived from the fingerprint alone, so spans with equal fingerprints always meet
    /// in one slot: their entries are chained there and verified, and their prefix flags merge (a spurious
    /// prefix flag only makes a walk go on a little longer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fingerprint(ulong hash) => (uint)(hash >> 32) | 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(uint fingerprint) => (int)(fingerprint >> _shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Slot Lookup(ref Slot slots, ulong hash)
    {
        uint key = Fingerprint(hash); // 0 marks an empty slot
        for (int i = Home(key); ; i = (i + 1) & _mask)
        {
            ref Slot slot = ref Unsafe.Add(ref slots, i);
            if (slot.Key == key)
            {
                return ref slot;
            }

            if (slot.Key == 0)
            {
                return ref Unsafe.NullRef<Slot>();
            }
        }
    }

    private ref Slot Find(ulong hash, bool create)
    {
        uint key = Fingerprint(hash);
        for (int i = Home(key); ; i = (i + 1) & _mask)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Key == key)
            {
                return ref slot;
            }

            if (slot.Key == 0)
            {
                if (!create)
                {
                    return ref Unsafe.NullRef<Slot>();
                }

                slot.Key = key;
                slot.Value = NoEntry;
                return ref slot;
            }
        }
    }

    /// <summary>A span whose fingerprint has entries: the first entry's record, and where the span is in the text.</summary>
    private readonly record struct Candidate(int Record, int Start, int Length);

    /// <summary>
    /// A table slot (8 bytes): a fingerprint, and (first entry + 1) &lt;&lt; 1 | prefix flag, where the first entry
    /// is an entry number (strings layout, and always in the file) or a record offset (records layout).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public uint Key;
        public int Value;

        public readonly int FirstEntry => (Value >> 1) - 1;
    }
}
