using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Finds the entries that are padded with a space on both sides (<c>" e "</c>) — nearly all entries of a
/// space-delimited language — without walking a trie. Such an entry matches exactly when, for some two
/// space positions <c>i &lt; j</c> of the spaced text, the span between them equals <c>e</c>. The index hashes
/// each token (the units between two spaces) once; a span's hash combines the hashes of its tokens. For each
/// space position it looks up the spans to the following spaces one after another in an open-addressing table
/// of entries and of their prefixes that end before a space; the walk from one start stops at the first span
/// that is no such prefix. Every hit is verified character by character, so a hash
/// collision can cost time but never change a result. Immutable after construction and thread-safe.
/// </summary>
public sealed class SpaceBoundedIndex
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15UL;
    private const ulong TokenSeed = 0xCBF29CE484222325UL;
    private const ulong SpanSeed = 0x27D4EB2F165667C5UL;
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
            ulong hash = SpanSeed;
            int tokenStart = 0;
            for (int k = 0; k < entry.Length; k++)
            {
                if (entry[k] == ' ')
                {
                    hash = Combine(hash, TokenHash(entry.AsSpan(tokenStart, k - tokenStart)));
                    Find(hash, create: true).Value |= IsPrefix;
                    tokenStart = k + 1;
                }
            }

            hash = Combine(hash, TokenHash(entry.AsSpan(tokenStart)));

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
        if (_entries.Length == 0 || tokens <= 0)
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
                    var span = spaced[start..spaces[b + 1]];
                    for (int e = slot.FirstEntry; e >= 0; e = _sameHashNext[e])
                    {
                        if (span.SequenceEqual(_entries[e]))
                        {
                            matches.Add(_ids[e]);
                        }
                    }
                }

                if ((slot.Value & IsPrefix) == 0)
                {
                    break;
                }
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

    /// <summary>A table slot (8 bytes): a fingerprint, and (first entry + 1) &lt;&lt; 1 | prefix flag.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public uint Key;
        public int Value;

        public readonly int FirstEntry => (Value >> 1) - 1;
    }
}
