using System.Buffers;

namespace MetaClip.Engine.Curation;

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
        // Vectorised: counting the zeros and skipping runs of them; a partition encodes its whole vector per shard.
        int nonZero = counts.Length - counts.Count(0UL);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxVarintBytes * (2 + 2 * nonZero));
        try
        {
            int length = WriteVarint(buffer, 0, (ulong)counts.Length);
            length = WriteVarint(buffer, length, (ulong)nonZero);
            int previous = -1;
            for (int id = counts.IndexOfAnyExcept(0UL); id >= 0;)
            {
                length = WriteVarint(buffer, length, (ulong)(id - previous));
                length = WriteVarint(buffer, length, counts[id]);
                previous = id;
                int next = counts[(id + 1)..].IndexOfAnyExcept(0UL);
                id = next < 0 ? -1 : id + 1 + next;
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

    private const int MaxVarintBytes = 10;

    private static int WriteVarint(byte[] buffer, int position, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
        return position;
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
