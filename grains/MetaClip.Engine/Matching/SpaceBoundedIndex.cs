using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Finds the entries that are padded with a space on both sides (<c>" e "</c>) — nearly all entries of a
/// space-delimited language — without walking a trie. Such an entry matches exactly when, for some two
/// space positions <c>i &lt; j</c> of the spaced text, the span between them equals <c>e</c>. For each space
/// position the index hashes the spans to the following spaces one after another and looks each up in an
/// open-addressing table of entries and of their prefixes that end before a space; the walk from one start
/// stops at the first span that is no such prefix. Every hit is verified character by character, so a hash
/// collision can cost time but never change a result. Immutable after construction and thread-safe.
/// </summary>
public sealed class SpaceBoundedIndex
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15UL;
    private const ulong Seed = 0xCBF29CE484222325UL;
    private const int IsPrefix = 1;
    private const int NoEntry = 0;

    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly int _shift;
    private readonly string[] _entries;
    private readonly int[] _ids;
    private readonly int[] _sameHashNext;

    /// <param name="entries">The entries (without their padding).</param>
    /// <param name="ids">The id to report for each entry.</param>
    public SpaceBoundedIndex(IReadOnlyList<string> entries, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(ids);
        _entries = [.. entries];
        _ids = [.. ids];
        _sameHashNext = new int[_entries.Length];
        int keys = _entries.Length;
        foreach (string e in _entries)
        {
            keys += e.AsSpan().Count(' ');
        }

        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, keys * 2));
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _shift = 32 - BitOperations.Log2((uint)capacity);
        for (int i = 0; i < _entries.Length; i++)
        {
            string entry = _entries[i];
            ulong hash = Seed;
            for (int k = 0; k < entry.Length; k++)
            {
                if (entry[k] == ' ')
                {
                    Find(hash, create: true).Value |= IsPrefix;
                }

                hash = Next(hash, entry[k]);
            }

            ref Slot slot = ref Find(hash, create: true);
            _sameHashNext[i] = slot.FirstEntry;
            slot.Value = ((i + 1) << 1) | (slot.Value & IsPrefix);
        }
    }

    private SpaceBoundedIndex(Slot[] slots, string[] entries, int[] ids, int[] sameHashNext)
    {
        _slots = slots;
        _mask = slots.Length - 1;
        _shift = 32 - BitOperations.Log2((uint)slots.Length);
        _entries = entries;
        _ids = ids;
        _sameHashNext = sameHashNext;
    }

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Length;

    /// <summary>Bytes held by the table (the entry strings are shared with the metadata list).</summary>
    public long SizeInBytes => ((long)_slots.Length * Unsafe.SizeOf<Slot>()) + ((long)(_ids.Length + _sameHashNext.Length) * sizeof(int)) + ((long)_entries.Length * 8);

    /// <summary>
    /// Appends the id of every entry found in <paramref name="spaced"/> (a spaced text: it starts and ends
    /// with a space), once per occurrence. <paramref name="spaces"/> holds the positions of its spaces, ascending.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FindAll(ReadOnlySpan<char> spaced, ReadOnlySpan<int> spaces, ref MatchList matches)
    {
        int count = spaces.Length;
        if (_entries.Length == 0)
        {
            return;
        }

        ref Slot slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        for (int a = 0; a + 1 < count; a++)
        {
            int start = spaces[a] + 1;
            ulong hash = Seed;
            int position = start;
            for (int b = a + 1; b < count; b++)
            {
                int end = spaces[b];
                for (; position < end; position++)
                {
                    hash = Next(hash, spaced[position]);
                }

                ref Slot slot = ref Lookup(ref slots, hash);
                if (Unsafe.IsNullRef(ref slot))
                {
                    break;
                }

                for (int e = slot.FirstEntry; e >= 0; e = _sameHashNext[e])
                {
                    if (spaced[start..end].SequenceEqual(_entries[e]))
                    {
                        matches.Add(_ids[e]);
                    }
                }

                if ((slot.Value & IsPrefix) == 0)
                {
                    break;
                }

                hash = Next(hash, ' ');
                position = end + 1;
            }
        }
    }

    /// <summary>Writes the table (the entries themselves are the list's: only their ids are written).</summary>
    internal void Write(CompiledWriter writer)
    {
        writer.WriteArray<int>(_ids);
        writer.WriteArray<int>(_sameHashNext);
        writer.WriteArray<Slot>(_slots);
    }

    /// <summary>
    /// Reads a table written by <see cref="Write"/> for a list whose entries are <paramref name="listEntries"/>.
    /// Checks every index the lookups follow, so a damaged table fails here, not in a walk.
    /// </summary>
    internal static SpaceBoundedIndex Read(CompiledReader reader, IReadOnlyList<string> listEntries)
    {
        var ids = reader.ReadArray<int>("space-bounded ids");
        var sameHashNext = reader.ReadArray<int>("space-bounded chains");
        var slots = reader.ReadArray<Slot>("space-bounded slots");
        if (sameHashNext.Length != ids.Length || slots.Length < 16 || !BitOperations.IsPow2(slots.Length))
        {
            throw reader.Invalid("space-bounded table: inconsistent sizes");
        }

        // A chain of same-hash entries only links to earlier entries (so it ends).
        var entries = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)listEntries.Count || sameHashNext[i] < -1 || sameHashNext[i] >= i)
            {
                throw reader.Invalid($"space-bounded table: entry {i} points outside the list");
            }

            entries[i] = listEntries[ids[i]];
        }

        foreach (var slot in slots)
        {
            if (slot.FirstEntry >= ids.Length)
            {
                throw reader.Invalid("space-bounded table: a slot points outside the entries");
            }
        }

        return new SpaceBoundedIndex(slots, entries, ids, sameHashNext);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ulong hash, char c) => (hash ^ c) * Multiplier;

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

    /// <summary>A table slot (8 bytes): a fingerprint, and (first entry + 1) &lt;&lt; 1 | prefix flag.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public uint Key;
        public int Value;

        public readonly int FirstEntry => (Value >> 1) - 1;
    }
}
