using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// Decompresses a raw Snappy block (the format's SNAPPY codec: a length, then literals and back-references) as a
/// stream, holding only the last 128 KiB of output: Snappy compressors work in 64 KiB fragments, so no
/// back-reference reaches further. One that does is <see cref="UnsupportedPagesException"/> (the page is then read
/// the whole-chunk way). Lets a page of hundreds of MB be read value by value.
/// </summary>
internal sealed class SnappyRawStream(Stream source) : WindowedDecoderStream(source, (long)ReadVarint(source))
{
    protected override bool ReadElement()
    {
        if (Written >= Length)
        {
            return false;
        }

        int tag = ReadByte(Source);
        switch (tag & 3)
        {
            case 0:
                long length = (tag >> 2) + 1;
                if (length > 60)
                {
                    int bytes = (int)length - 60;
                    long value = 0;
                    for (int i = 0; i < bytes; i++)
                    {
                        value |= (long)ReadByte(Source) << (8 * i);
                    }

                    length = value + 1;
                }

                Literals(length);
                break;
            case 1:
                Match(4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | ReadByte(Source));
                break;
            case 2:
                Span<byte> two = stackalloc byte[2];
                Source.ReadExactly(two);
                Match(1 + (tag >> 2), BinaryPrimitives.ReadUInt16LittleEndian(two));
                break;
            default:
                Span<byte> four = stackalloc byte[4];
                Source.ReadExactly(four);
                uint offset = BinaryPrimitives.ReadUInt32LittleEndian(four);
                if (offset >= Window)
                {
                    throw new UnsupportedPagesException($"a Snappy back-reference of {offset} bytes");
                }

                Match(1 + (tag >> 2), (int)offset);
                break;
        }

        if (Written + Pending > Length)
        {
            throw new InvalidDataException("Snappy data longer than its stated length");
        }

        return true;
    }

    private static ulong ReadVarint(Stream source)
    {
        ulong value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            int b = ReadByte(source);
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a Snappy length longer than 5 bytes");
    }

    private static int ReadByte(Stream source)
    {
        int b = source.ReadByte();
        return b >= 0 ? b : throw new InvalidDataException("Snappy data ends early");
    }
}
