namespace MetaClip.Curation;

/// <summary>
/// A count vector as compact bytes for grain state: its length and its number of non-zero entries, then each
/// non-zero entry as the gap from the previous non-zero id and its count, all as LEB128 varints (the declared
/// number of entries makes a cut at an entry boundary detectable). A 500k-entry English vector whose shards
/// matched 50k distinct entries is ~150 KB instead of 4 MB of ulongs (or ~3 MB of JSON numbers), so a
/// language partition can persist it after every shard.
/// </summary>
public static class CountVectorCodec
{
    public static byte[] Encode(ReadOnlySpan<ulong> counts)
    {
        using var stream = new MemoryStream();
        WriteVarint(stream, (ulong)counts.Length);
        int nonZero = 0;
        foreach (ulong count in counts)
        {
            nonZero += count != 0 ? 1 : 0;
        }

        WriteVarint(stream, (ulong)nonZero);
        int previous = -1;
        for (int id = 0; id < counts.Length; id++)
        {
            if (counts[id] != 0)
            {
                WriteVarint(stream, (ulong)(id - previous));
                WriteVarint(stream, counts[id]);
                previous = id;
            }
        }

        return stream.ToArray();
    }

    /// <exception cref="CurationException">The bytes are not a count vector (truncated or corrupt state).</exception>
    public static ulong[] Decode(ReadOnlySpan<byte> bytes, string source)
    {
        int position = 0;
        ulong length = ReadVarint(bytes, ref position, source);
        if (length > int.MaxValue)
        {
            throw new CurationException($"{source}: a count vector of {length} entries is too long");
        }

        var counts = new ulong[length];
        ulong nonZero = ReadVarint(bytes, ref position, source);
        if (nonZero > length)
        {
            throw new CurationException($"{source}: {nonZero} non-zero entries in a count vector of {length}");
        }

        long id = -1;
        for (ulong entry = 0; entry < nonZero; entry++)
        {
            id += (long)ReadVarint(bytes, ref position, source);
            if (id >= counts.Length)
            {
                throw new CurationException($"{source}: entry id {id} is outside a count vector of {counts.Length} entries");
            }

            counts[id] = ReadVarint(bytes, ref position, source);
        }

        if (position != bytes.Length)
        {
            throw new CurationException($"{source}: {bytes.Length - position} bytes after the end of the count vector");
        }

        return counts;
    }

    private static void WriteVarint(MemoryStream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position, string source)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new CurationException($"{source}: a count vector ends in the middle of a number");
            }

            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new CurationException($"{source}: a number in the count vector is longer than 64 bits");
    }
}
