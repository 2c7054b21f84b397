using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The uuid fingerprints a <see cref="JsonlSplitter"/> has seen, each with the serial of the range it was first seen
/// in: open addressing at most three quarters full, 10 bytes a slot (the 64-bit fingerprint and a 16-bit serial) —
/// about half a <c>Dictionary&lt;ulong, int&gt;</c>'s memory. All 64 bits are compared: a false "seen" joins every
/// range back to the one it names, harmless to the result but not to memory, so it must stay as rare as a 64-bit
/// collision (about 10⁻⁵ for a file of 18 million images).
/// The table is 256 segments (by the fingerprint's top byte) that grow one at a time, so growing never holds a second
/// copy of the whole table: one table of 32M slots doubling from 16M held 480 MB at once for a 2 GB file's 18M images.
/// </summary>
internal sealed class FingerprintTable
{
    /// <summary>The largest serial a slot holds.</summary>
    public const int MaxSerial = ushort.MaxValue;

    private const int SegmentBits = 8;

    private readonly Segment[] _segments = Enumerable.Range(0, 1 << SegmentBits).Select(_ => new Segment()).ToArray();
    private int _count;

    public int Count => _count;

    /// <summary>The serial stored with <paramref name="fingerprint"/>, if it was added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGetSerial(ulong fingerprint, out int serial)
    {
        ulong key = Key(fingerprint);
        var segment = _segments[key >> (64 - SegmentBits)];
        var keys = segment.Keys;
        int mask = keys.Length - 1;
        for (int i = (int)key & mask; ; i = (i + 1) & mask)
        {
            ulong slot = keys[i];
            if (slot == key)
            {
                serial = segment.Serials[i];
                return true;
            }

            if (slot == 0)
            {
                serial = 0;
                return false;
            }
        }
    }

    /// <summary>
    /// Asks the CPU to bring the slot where a lookup of <paramref name="fingerprint"/> starts into its cache. The table is
    /// far larger than the cache, so a lookup is a miss; a splitter asks for the slot of a row some rows ahead, so that
    /// the misses of several rows overlap instead of being paid one after another. Only a hint: the table may grow
    /// before the lookup, and nothing is read or changed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong fingerprint)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        ulong key = Key(fingerprint);
        var segment = _segments[key >> (64 - SegmentBits)];
        var keys = segment.Keys;
        var serials = segment.Serials;
        int slot = (int)key & (keys.Length - 1);
        if ((uint)slot < (uint)serials.Length)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref keys[slot]));
            Sse.Prefetch0(Unsafe.AsPointer(ref serials[slot]));
        }
    }

    /// <summary>Adds a fingerprint not yet in the table, with the serial (at most <see cref="MaxSerial"/>) of its range.</summary>
    public void Add(ulong fingerprint, int serial)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serial, MaxSerial);
        ArgumentOutOfRangeException.ThrowIfNegative(serial);
        ulong key = Key(fingerprint);
        var segment = _segments[key >> (64 - SegmentBits)];
        if ((segment.Count + 1) * 4L > segment.Keys.Length * 3L)
        {
            segment.Grow();
        }

        Segment.Insert(segment.Keys, segment.Serials, key, (ushort)serial);
        segment.Count++;
        _count++;
    }

    // 0 marks an empty slot; the fingerprint is already a hash, so its low bits pick the slot and its top byte the segment.
    private static ulong Key(ulong fingerprint) => fingerprint == 0 ? 1 : fingerprint;

    private sealed class Segment
    {
        public ulong[] Keys { get; private set; } = new ulong[256];

        public ushort[] Serials { get; private set; } = new ushort[256];

        public int Count { get; set; }

        public void Grow()
        {
            var keys = new ulong[checked(Keys.Length * 2)];
            var serials = new ushort[keys.Length];
            for (int i = 0; i < Keys.Length; i++)
            {
                if (Keys[i] != 0)
                {
                    Insert(keys, serials, Keys[i], Serials[i]);
                }
            }

            Keys = keys;
            Serials = serials;
        }

        public static void Insert(ulong[] keys, ushort[] serials, ulong key, ushort serial)
        {
            int mask = keys.Length - 1;
            int i = (int)key & mask;
            while (keys[i] != 0)
            {
                i = (i + 1) & mask;
            }

            keys[i] = key;
            serials[i] = serial;
        }
    }
}
