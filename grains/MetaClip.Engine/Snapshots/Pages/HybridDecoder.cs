namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// The Parquet format's RLE / bit-packing hybrid (definition levels, dictionary indices): runs of one repeated value,
/// and groups of eight values packed <see cref="_bitWidth"/> bits each, least significant bit first. Reads value after
/// value, never more than the data holds.
/// </summary>
internal ref struct HybridDecoder
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _bitWidth;
    private int _at;
    private int _repeatLeft;
    private int _repeated;
    private int _packedLeft;
    private long _packedBit; // the next packed value's first bit, from the start of _data

    public HybridDecoder(ReadOnlySpan<byte> data, int bitWidth)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new InvalidDataException($"a bit width of {bitWidth}");
        }

        _data = data;
        _bitWidth = bitWidth;
    }

    /// <summary>
    /// A decoder that goes on from <paramref name="place"/> (of <see cref="Place"/>) over the same
    /// <paramref name="data"/>: a page read in several calls keeps its place between them.
    /// </summary>
    public HybridDecoder(ReadOnlySpan<byte> data, int bitWidth, HybridPlace place)
        : this(data, bitWidth)
    {
        _at = place.At;
        _repeatLeft = place.RepeatLeft;
        _repeated = place.Repeated;
        _packedLeft = place.PackedLeft;
        _packedBit = place.PackedBit;
    }

    /// <summary>The bytes read so far (after the last run read).</summary>
    public readonly int Position => _at;

    /// <summary>Where the decoder is, to go on from later (<see cref="HybridDecoder(ReadOnlySpan{byte}, int, HybridPlace)"/>).</summary>
    public readonly HybridPlace Place => new(_at, _repeatLeft, _repeated, _packedLeft, _packedBit);

    public int Next()
    {
        if (_repeatLeft > 0)
        {
            _repeatLeft--;
            return _repeated;
        }

        if (_packedLeft > 0)
        {
            _packedLeft--;
            int value = Unpack(_packedBit);
            _packedBit += _bitWidth;
            return value;
        }

        ReadRun();
        return Next();
    }

    /// <summary>
    /// Passes over the next <paramref name="count"/> values without decoding them one by one (a run at a time) and
    /// returns how many of them equal <paramref name="counted"/> (none is counted when it is negative): a row range that
    /// starts deep in a page gets there in time that grows with the page's runs, not its values.
    /// </summary>
    public long Skip(long count, int counted = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long matched = 0;
        while (count > 0)
        {
            if (_repeatLeft > 0)
            {
                int n = (int)Math.Min(_repeatLeft, count);
                _repeatLeft -= n;
                count -= n;
                matched += _repeated == counted ? n : 0;
            }
            else if (_packedLeft > 0)
            {
                int n = (int)Math.Min(_packedLeft, count);
                if (_bitWidth > 0 && ((_packedBit + ((long)n * _bitWidth) - 1) >> 3) >= _data.Length)
                {
                    throw new InvalidDataException("bit-packed values end before the page's values");
                }

                matched += counted < 0 ? 0 : CountPacked(n, counted);
                _packedLeft -= n;
                _packedBit += (long)n * _bitWidth;
                count -= n;
            }
            else
            {
                ReadRun();
            }
        }

        return matched;
    }

    /// <summary>How many of the next <paramref name="n"/> packed values equal <paramref name="value"/> (one-bit values by their bits' count).</summary>
    private readonly long CountPacked(int n, int value)
    {
        if (_bitWidth == 0)
        {
            return value == 0 ? n : 0;
        }

        if (_bitWidth != 1)
        {
            long matched = 0;
            for (long bit = _packedBit, end = _packedBit + ((long)n * _bitWidth); bit < end; bit += _bitWidth)
            {
                matched += Unpack(bit) == value ? 1 : 0;
            }

            return matched;
        }

        long ones = 0, at = _packedBit, stop = _packedBit + n;
        for (; at < stop && (at & 7) != 0; at++)
        {
            ones += (_data[(int)(at >> 3)] >> (int)(at & 7)) & 1;
        }

        for (; stop - at >= 64; at += 64)
        {
            ones += System.Numerics.BitOperations.PopCount(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data[(int)(at >> 3)..]));
        }

        for (; stop - at >= 8; at += 8)
        {
            ones += System.Numerics.BitOperations.PopCount(_data[(int)(at >> 3)]);
        }

        for (; at < stop; at++)
        {
            ones += (_data[(int)(at >> 3)] >> (int)(at & 7)) & 1;
        }

        return value switch { 1 => ones, 0 => n - ones, _ => 0 };
    }

    private void ReadRun()
    {
        if (_at >= _data.Length)
        {
            throw new InvalidDataException("levels or indices end before the page's values");
        }

        ulong header = ReadVarint();
        if ((header & 1) == 0)
        {
            long count = (long)(header >> 1);
            int bytes = (_bitWidth + 7) / 8;
            if (count <= 0 || count > int.MaxValue || _at + bytes > _data.Length)
            {
                throw new InvalidDataException($"a run of {count} values does not fit the page");
            }

            int value = 0;
            for (int i = 0; i < bytes; i++)
            {
                value |= _data[_at++] << (8 * i);
            }

            _repeatLeft = (int)count;
            _repeated = value;
        }
        else
        {
            // Checked before it is multiplied: a damaged header's count of groups times 8 (or times the bit width below)
            // overflowed, and a negative place in the data then read outside it.
            long groups = (long)(header >> 1);
            if (groups <= 0 || groups > int.MaxValue / 8)
            {
                throw new InvalidDataException($"a bit-packed run of {groups} groups");
            }

            long values = groups * 8;

            _packedLeft = (int)values;
            _packedBit = (long)_at * 8;

            // The last run of a page may be cut short of its whole groups; what is read of it must be there.
            _at = (int)Math.Min(_data.Length, _at + (groups * _bitWidth));
        }
    }

    private readonly int Unpack(long bit)
    {
        if (_bitWidth == 0)
        {
            return 0;
        }

        int first = (int)(bit >> 3);
        int shift = (int)(bit & 7);
        int last = (int)((bit + _bitWidth - 1) >> 3);
        if (last >= _data.Length)
        {
            throw new InvalidDataException("bit-packed values end before the page's values");
        }

        ulong word = 0;
        for (int i = first; i <= last; i++)
        {
            word |= (ulong)_data[i] << (8 * (i - first));
        }

        return (int)((word >> shift) & ((1UL << _bitWidth) - 1));
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_at >= _data.Length)
            {
                throw new InvalidDataException("a run header runs off the page");
            }

            byte b = _data[_at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a run header longer than 10 bytes");
    }
}

/// <summary>A <see cref="HybridDecoder"/>'s place in its data.</summary>
internal readonly record struct HybridPlace(int At, int RepeatLeft, int Repeated, int PackedLeft, long PackedBit);
