using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Lid;

/// <summary>
/// The input rows of the words a predictor met recently, in the model's vocabulary or not, so that a frequent word
/// costs one cache line instead of the vocabulary's table, its bytes, its subword list and, for an unknown word, the
/// hashing of its character n-grams (captions repeat their words: in the caption corpus 65,536 distinct tokens make
/// up 95 % of all tokens). Rows are a function of the word's bytes and the model, so a cached word gives exactly the
/// rows it would have been given.
/// <para>
/// Each word takes one 64-byte slot, aligned to a cache line: its fastText hash, its length, whether it is a label,
/// its bytes (at most <see cref="MaxWordBytes"/>, packed as <see cref="WordKey"/>) and its rows (at most <see cref="MaxRows"/>); a longer word, or
/// one with more rows, is computed each time. Slots come in sets of two, chosen by a cheap hash of the word's bytes;
/// a new word replaces the set's less recently used one. One per predictor, not thread-safe.
/// </para>
/// </summary>
internal sealed unsafe class WordRowsCache
{
    /// <summary>Words longer than this are not kept (under 1 % of caption tokens).</summary>
    internal const int MaxWordBytes = 24;

    /// <summary>Words with more rows than this are not kept (under 1 % of caption tokens with lid.176).</summary>
    internal const int MaxRows = 8;

    /// <summary>The default size: 2^15 sets of two words, 4 MiB (bench/RESULTS.md compares other sizes).</summary>
    internal const int DefaultSetBits = 15;

    private const int SlotBytes = 64;

    // Pinned (the pinned-object heap never moves it), so that the slots can be addressed from an aligned start.
    private readonly byte[] _memory;
    private readonly Slot* _slots;
    private readonly uint _setMask;

    /// <param name="setBits">The cache has 2^setBits sets of two words.</param>
    public WordRowsCache(int setBits = DefaultSetBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(setBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(setBits, 20);
        int slots = 2 << setBits;
        _memory = GC.AllocateArray<byte>((slots * SlotBytes) + SlotBytes, pinned: true);
        nint start = Marshal.UnsafeAddrOfPinnedArrayElement(_memory, 0);
        _slots = (Slot*)(start + ((SlotBytes - (start & (SlotBytes - 1))) & (SlotBytes - 1)));
        _setMask = (1u << setBits) - 1;
        Capacity = slots;
    }

    /// <summary>How many words the cache holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Words held now.</summary>
    public int Count { get; private set; }

    /// <summary>Words that replaced another one (the cache was full where they went).</summary>
    public long Replaced { get; private set; }

    /// <summary>
    /// The rows of <paramref name="word"/>, its fastText hash and whether it is a label, if the cache holds it;
    /// <paramref name="key"/> is what <see cref="Add"/> wants for the word after a miss. <paramref name="rows"/> points at
    /// <see cref="MaxRows"/> readable ints, of which the first <paramref name="rowCount"/> are the word's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ReadOnlySpan<byte> word, out WordKey key, out uint hash, out bool isLabel, out int* rows, out int rowCount)
    {
        key = new WordKey(word);
        var set = _slots + ((key.Set & _setMask) << 1);
        int way = key.Length == 0 ? -1 : Holds(set, key) ? 0 : Holds(set + 1, key) ? 1 : -1; // an empty slot holds no word
        if (way < 0)
        {
            hash = 0;
            isLabel = false;
            rows = null;
            rowCount = 0;
            return false;
        }

        set->RecentWay = (byte)way;
        var slot = set + way;
        hash = slot->Hash;
        isLabel = slot->IsLabel != 0;
        rows = slot->Rows;
        rowCount = slot->RowCount;
        return true;
    }

    /// <summary><see cref="TryGet(ReadOnlySpan{byte}, out WordKey, out uint, out bool, out int*, out int)"/> with the rows as a span.</summary>
    public bool TryGet(ReadOnlySpan<byte> word, out WordKey key, out uint hash, out bool isLabel, out ReadOnlySpan<int> rows)
    {
        bool found = TryGet(word, out key, out hash, out isLabel, out int* start, out int count);
        rows = found ? new ReadOnlySpan<int>(start, count) : default;
        return found;
    }

    /// <summary>
    /// Keeps <paramref name="rows"/> as the rows of the word of <paramref name="key"/> (not held), unless the word or
    /// its rows are too long to keep.
    /// </summary>
    public void Add(in WordKey key, uint hash, bool isLabel, ReadOnlySpan<int> rows)
    {
        if (key.Length is 0 or > MaxWordBytes || rows.Length > MaxRows)
        {
            return;
        }

        var set = _slots + ((key.Set & _setMask) << 1);
        int way = set->Length == 0 ? 0 : set[1].Length == 0 ? 1 : 1 - set->RecentWay;
        var slot = set + way;
        if (slot->Length == 0)
        {
            Count++;
        }
        else
        {
            Replaced++;
        }

        slot->Hash = hash;
        slot->Length = (byte)key.Length;
        slot->RowCount = (byte)rows.Length;
        slot->IsLabel = isLabel ? (byte)1 : (byte)0;
        slot->First = key.First;
        slot->Last = key.Last;
        slot->Middle = key.Middle;
        rows.CopyTo(new Span<int>(slot->Rows, MaxRows));
        set->RecentWay = (byte)way;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Holds(Slot* slot, in WordKey key) =>
        slot->Length == key.Length && slot->First == key.First && slot->Last == key.Last && slot->Middle == key.Middle;

    /// <summary>
    /// A word of at most <see cref="MaxWordBytes"/> bytes packed into three 64-bit values that hold every one of its
    /// bytes (with its length, equal values mean equal words), and a cheap hash of them that chooses its set.
    /// </summary>
    internal readonly struct WordKey
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public WordKey(ReadOnlySpan<byte> word)
        {
            int n = word.Length;
            Length = n;
            if (n >= 8)
            {
                // Bytes 0-7 and n-8…n-1 overlap for 8-16 bytes; bytes 8-15 cover the rest up to 24.
                First = BinaryPrimitives.ReadUInt64LittleEndian(word);
                Last = BinaryPrimitives.ReadUInt64LittleEndian(word[(n - 8)..]);
                Middle = n > 16 ? BinaryPrimitives.ReadUInt64LittleEndian(word[8..]) : 0;
            }
            else if (n >= 4)
            {
                First = BinaryPrimitives.ReadUInt32LittleEndian(word);
                Last = BinaryPrimitives.ReadUInt32LittleEndian(word[(n - 4)..]);
                Middle = 0;
            }
            else
            {
                First = n == 0 ? 0 : word[0] | ((ulong)word[n >> 1] << 8) | ((ulong)word[n - 1] << 16);
                Last = 0;
                Middle = 0;
            }

            ulong x = (First ^ (Last * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)n << 58)) * 0x9E3779B97F4A7C15UL;
            Set = (uint)(x >> 32) ^ (uint)x;
        }

        public int Length { get; }

        public ulong First { get; }

        public ulong Last { get; }

        public ulong Middle { get; }

        public uint Set { get; }
    }

    // One cache line. An empty slot has Length 0 (no word is empty); RecentWay is used in a set's first slot only.
    [StructLayout(LayoutKind.Explicit, Size = SlotBytes)]
    private struct Slot
    {
        [FieldOffset(0)]
        public uint Hash;

        [FieldOffset(4)]
        public byte Length;

        [FieldOffset(5)]
        public byte RowCount;

        [FieldOffset(6)]
        public byte IsLabel;

        [FieldOffset(7)]
        public byte RecentWay;

        [FieldOffset(8)]
        public ulong First;

        [FieldOffset(16)]
        public ulong Last;

        [FieldOffset(24)]
        public ulong Middle;

        [FieldOffset(32)]
        public fixed int Rows[MaxRows];
    }
}
