using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// The Parquet format's delta encodings of a data page's values (docs/formats.md, "Columns"):
/// <list type="bullet">
/// <item>DELTA_BINARY_PACKED, integers: a header (values per block, miniblocks per block, the count, the first value),
/// then blocks of a minimum delta, one bit width per miniblock and the miniblocks' deltas above that minimum, bit-packed
/// least significant bit first;</item>
/// <item>DELTA_LENGTH_BYTE_ARRAY, byte arrays: the lengths as DELTA_BINARY_PACKED, then the values' bytes end to end;</item>
/// <item>DELTA_BYTE_ARRAY, byte arrays: each value's prefix shared with the value before it (its length, as
/// DELTA_BINARY_PACKED), then the rest of each value as DELTA_LENGTH_BYTE_ARRAY.</item>
/// </list>
/// Spark and parquet-mr write the byte array ones in format v2 pages; Parquet.Net and others the integer one. Damage is
/// <see cref="InvalidDataException"/>, never a read outside the page.
/// </summary>
internal static class DeltaEncodings
{
    /// <summary>
    /// The first <paramref name="keep"/> integers of a DELTA_BINARY_PACKED run that starts at <paramref name="at"/>, which
    /// is moved past the whole run (the rest's miniblocks are passed over, not decoded: a range needs a page's values
    /// up to its last row, and a page of a whole column chunk holds millions). Each value wraps around at
    /// <paramref name="width"/> bytes (4 or 8), as writers compute the deltas; more than <paramref name="maxValues"/> of
    /// them is damage.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long[] ReadBinaryPacked(ReadOnlySpan<byte> data, ref int at, int maxValues, int width, string column, int keep = int.MaxValue)
    {
        ulong blockSize = ReadUnsigned(data, ref at, column);
        ulong miniblocks = ReadUnsigned(data, ref at, column);
        ulong total = ReadUnsigned(data, ref at, column);
        long first = ZigZag(ReadUnsigned(data, ref at, column));
        if (total > (ulong)maxValues)
        {
            throw Damage(column, $"a delta run of {total} values in a page of {maxValues}");
        }

        if (blockSize == 0 || miniblocks == 0 || blockSize > 1 << 20 || blockSize % miniblocks != 0 || blockSize / miniblocks % 8 != 0)
        {
            throw Damage(column, $"a delta run's blocks of {blockSize} values in {miniblocks} miniblocks");
        }

        var values = new long[Math.Min(total, (ulong)Math.Max(keep, 0))];
        if (total == 0)
        {
            return values;
        }

        long last = Wrap(first, width);
        if (values.Length > 0)
        {
            values[0] = last;
        }

        int perMiniblock = (int)(blockSize / miniblocks);
        int count = 1;
        while ((ulong)count < total)
        {
            long minimum = ZigZag(ReadUnsigned(data, ref at, column));
            if (miniblocks > (ulong)(data.Length - at))
            {
                throw Damage(column, "a delta run ends inside a block's bit widths");
            }

            var widths = data.Slice(at, (int)miniblocks);
            at += (int)miniblocks;
            for (int m = 0; m < widths.Length && (ulong)count < total; m++)
            {
                int bits = widths[m];
                if (bits > 64)
                {
                    throw Damage(column, $"a delta miniblock of {bits}-bit values");
                }

                int bytes = bits * perMiniblock / 8;
                if (bytes > data.Length - at)
                {
                    throw Damage(column, "a delta run ends inside a miniblock");
                }

                var packed = data.Slice(at, bytes);
                int take = (int)Math.Min((ulong)perMiniblock, total - (ulong)count);
                int decode = Math.Clamp(values.Length - count, 0, take); // past what is kept: counted, not decoded
                for (int j = 0; j < decode; j++)
                {
                    last = Wrap(unchecked(last + minimum + (long)Unpack(packed, (long)j * bits, bits)), width);
                    values[count + j] = last;
                }

                count += take;

                at += bytes;
            }
        }

        return values;
    }

    /// <summary>The <paramref name="bits"/>-bit number at bit <paramref name="bit"/> of <paramref name="packed"/>, least significant bit first.</summary>
    private static ulong Unpack(ReadOnlySpan<byte> packed, long bit, int bits)
    {
        ulong value = 0;
        int got = 0;
        int index = (int)(bit >> 3), shift = (int)(bit & 7);
        while (got < bits)
        {
            int take = Math.Min(8 - shift, bits - got);
            value |= (ulong)((packed[index] >> shift) & ((1 << take) - 1)) << got;
            got += take;
            shift = 0;
            index++;
        }

        return value;
    }

    private static long Wrap(long value, int width) => width == 4 ? (int)value : value;

    private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>An unsigned LEB128 number (at most 64 bits).</summary>
    private static ulong ReadUnsigned(ReadOnlySpan<byte> data, ref int at, string column)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length)
            {
                throw Damage(column, "a delta run ends inside a number");
            }

            byte b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Damage(column, "a delta run's number of more than 64 bits");
    }

    internal static InvalidDataException Damage(string column, string what) => new($"column \"{column}\": {what}");
}

/// <summary>
/// The byte array values of a DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY page, one after another: a value of the
/// latter is built from the one before it, so the values before a range are built too, without being handed on.
/// </summary>
internal sealed class DeltaByteArrays(byte[] page, int at, long[]? prefixes, long[] lengths, string column)
{
    private int _at = at;
    private int _next;
    private byte[] _value = [];
    private int _valueLength;

    /// <summary>
    /// The values of <paramref name="page"/> from byte <paramref name="offset"/> to its end (the first
    /// <paramref name="keep"/> of them); <paramref name="prefixed"/>: DELTA_BYTE_ARRAY, else DELTA_LENGTH_BYTE_ARRAY.
    /// </summary>
    public static DeltaByteArrays Read(byte[] page, int offset, bool prefixed, int maxValues, string column, int keep = int.MaxValue)
    {
        ReadOnlySpan<byte> data = page;
        int at = offset;
        long[]? prefixes = prefixed ? DeltaEncodings.ReadBinaryPacked(data, ref at, maxValues, 4, column, keep) : null;
        long[] lengths = DeltaEncodings.ReadBinaryPacked(data, ref at, maxValues, 4, column, keep);
        if (prefixes is not null && prefixes.Length != lengths.Length)
        {
            throw DeltaEncodings.Damage(column, $"{prefixes.Length} prefix lengths for {lengths.Length} values");
        }

        return new DeltaByteArrays(page, at, prefixes, lengths, column);
    }

    /// <summary>The next value; valid until the next call.</summary>
    public ReadOnlySpan<byte> Next()
    {
        if (_next >= lengths.Length)
        {
            throw DeltaEncodings.Damage(column, $"a page of {lengths.Length} delta-encoded values ends before its values");
        }

        long length = lengths[_next];
        if (length < 0 || length > page.Length - _at)
        {
            throw DeltaEncodings.Damage(column, $"a value of {length} bytes runs off its page");
        }

        var suffix = page.AsSpan(_at, (int)length);
        _at += (int)length;
        if (prefixes is null)
        {
            _next++;
            return suffix;
        }

        long prefix = prefixes[_next++];
        if (prefix < 0 || prefix > _valueLength)
        {
            throw DeltaEncodings.Damage(column, $"a value's prefix of {prefix} bytes, longer than the {_valueLength} bytes of the value before it");
        }

        int total = (int)prefix + suffix.Length;
        if (total > _value.Length)
        {
            Array.Resize(ref _value, Math.Max(total, Math.Min(2 * _value.Length, Array.MaxLength)));
        }

        suffix.CopyTo(_value.AsSpan((int)prefix));
        _valueLength = total;
        return _value.AsSpan(0, total);
    }

    /// <summary>Passes over <paramref name="count"/> values.</summary>
    public void Skip(long count)
    {
        for (long i = 0; i < count; i++)
        {
            Next();
        }
    }
}
