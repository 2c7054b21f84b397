namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The uuid fingerprints a <see cref="JsonlSplitter"/> has seen, each with the serial of the range it was first seen
/// in: open addressing at most three quarters full, 10 bytes a slot (the 64-bit fingerprint and a 16-bit serial) —
/// about half a <c>Dictionary&lt;ulong, int&gt;</c>'s memory. All 64 bits are compared: a false "seen" joins every
/// range back to the one it names, harmless to the result but not to memory, so it must stay as rare as a 64-bit
/// collision (about 10⁻⁵ for a file of 18 million images).
/// </summary>
internal sealed class FingerprintTable
{
    /// <summary>The largest serial a slot holds.</summary>
    public const int MaxSerial = ushort.MaxValue;

    private ulong[] _keys = new ulong[1 << 16];
    private ushort[] _serials = new ushort[1 << 16];
    private int _count;

    public int Count => _count;

    /// <summary>The serial stored with <paramref name="fingerprint"/>, if it was added.</summary>
    public bool TryGetSerial(ulong fingerprint, out int serial)
    {
        ulong key = Key(fingerprint);
        int mask = _keys.Length - 1;
        for (int i = (int)key & mask; ; i = (i + 1) & mask)
        {
            ulong slot = _keys[i];
            if (slot == key)
            {
                serial = _serials[i];
                return true;
            }

            if (slot == 0)
            {
                serial = 0;
                return false;
            }
        }
    }

    /// <summary>Adds a fingerprint not yet in the table, with the serial (at most <see cref="MaxSerial"/>) of its range.</summary>
    public void Add(ulong fingerprint, int serial)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serial, MaxSerial);
        ArgumentOutOfRangeException.ThrowIfNegative(serial);
        if ((_count + 1) * 4L > _keys.Length * 3L)
        {
            Grow();
        }

        Insert(_keys, _serials, Key(fingerprint), (ushort)serial);
        _count++;
    }

    private void Grow()
    {
        var keys = new ulong[checked(_keys.Length * 2)];
        var serials = new ushort[keys.Length];
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] != 0)
            {
                Insert(keys, serials, _keys[i], _serials[i]);
            }
        }

        _keys = keys;
        _serials = serials;
    }

    private static void Insert(ulong[] keys, ushort[] serials, ulong key, ushort serial)
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

    // 0 marks an empty slot; the fingerprint is already a hash, so its low bits pick the slot.
    private static ulong Key(ulong fingerprint) => fingerprint == 0 ? 1 : fingerprint;
}
