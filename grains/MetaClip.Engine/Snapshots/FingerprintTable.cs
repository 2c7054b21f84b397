namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The uuid fingerprints a <see cref="JsonlSplitter"/> has seen, each with the serial of the range it was first seen
/// in: 8 bytes per slot (the fingerprint's upper 48 bits and the serial in the lower 16), open addressing at most
/// three quarters full — about a third of a <c>Dictionary&lt;ulong, int&gt;</c>'s memory. Comparing 48 bits instead of
/// 64 makes a false "seen" more likely, and that only joins two ranges that did not need it.
/// </summary>
internal sealed class FingerprintTable
{
    /// <summary>The largest serial a slot holds.</summary>
    public const int MaxSerial = 0xFFFE;

    private const ulong SerialMask = 0xFFFF;

    private ulong[] _slots = new ulong[1 << 16];
    private int _count;

    public int Count => _count;

    /// <summary>The serial stored with <paramref name="fingerprint"/>, if it was added.</summary>
    public bool TryGetSerial(ulong fingerprint, out int serial)
    {
        ulong key = fingerprint & ~SerialMask;
        int mask = _slots.Length - 1;
        for (int i = Slot(key, mask); ; i = (i + 1) & mask)
        {
            ulong slot = _slots[i];
            if (slot == 0)
            {
                serial = 0;
                return false;
            }

            if ((slot & ~SerialMask) == key)
            {
                serial = (int)(slot & SerialMask) - 1;
                return true;
            }
        }
    }

    /// <summary>Adds a fingerprint not yet in the table, with the serial (at most <see cref="MaxSerial"/>) of its range.</summary>
    public void Add(ulong fingerprint, int serial)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serial, MaxSerial);
        if ((_count + 1) * 4L > _slots.Length * 3L)
        {
            Grow();
        }

        Insert(_slots, (fingerprint & ~SerialMask) | (uint)(serial + 1));
        _count++;
    }

    private void Grow()
    {
        var bigger = new ulong[checked(_slots.Length * 2)];
        foreach (ulong slot in _slots)
        {
            if (slot != 0)
            {
                Insert(bigger, slot);
            }
        }

        _slots = bigger;
    }

    private static void Insert(ulong[] slots, ulong value)
    {
        int mask = slots.Length - 1;
        int i = Slot(value & ~SerialMask, mask);
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        slots[i] = value;
    }

    // The fingerprint is already a hash: its bits above the serial pick the slot.
    private static int Slot(ulong key, int mask) => (int)(key >> 16) & mask;
}
