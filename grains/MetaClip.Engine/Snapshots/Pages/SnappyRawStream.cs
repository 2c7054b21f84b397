using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// Decompresses a raw Snappy block (the format's SNAPPY codec: a length, then literals and back-references) as a
/// stream, holding only the last 128 KiB of output: Snappy compressors work in 64 KiB fragments, so no
/// back-reference reaches further. One that does is <see cref="UnsupportedPagesException"/> (the page is then read
/// the whole-chunk way). Lets a page of hundreds of MB be read value by value.
/// </summary>
internal sealed class SnappyRawStream : ForwardReadStream
{
    private const int Window = 1 << 17;
    private const int Mask = Window - 1;

    private readonly Stream _source;
    private readonly byte[] _window = new byte[Window];
    private readonly long _length;
    private long _written;
    private long _literalLeft;
    private int _copyLeft;
    private int _copyOffset;

    public SnappyRawStream(Stream source)
    {
        _source = source;
        _length = (long)ReadVarint();
    }

    public override long Length => _length;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            var target = buffer[total..];
            if (_literalLeft > 0)
            {
                int n = (int)Math.Min(Math.Min(target.Length, _literalLeft), Window / 2);
                _source.ReadExactly(target[..n]);
                int at = (int)(_written & Mask), first = Math.Min(n, Window - at);
                target[..first].CopyTo(_window.AsSpan(at));
                target[first..n].CopyTo(_window);
                _written += n;

                _literalLeft -= n;
                total += n;
            }
            else if (_copyLeft > 0)
            {
                int n = Math.Min(target.Length, _copyLeft);
                for (int i = 0; i < n; i++)
                {
                    byte b = _window[(int)((_written - _copyOffset) & Mask)];
                    _window[(int)(_written++ & Mask)] = b;
                    target[i] = b;
                }

                _copyLeft -= n;
                total += n;
            }
            else if (_written >= _length)
            {
                break;
            }
            else
            {
                ReadElement();
            }
        }

        return total;
    }

    private void ReadElement()
    {
        int tag = ReadByte(_source);
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
                        value |= (long)ReadByte(_source) << (8 * i);
                    }

                    length = value + 1;
                }

                _literalLeft = length;
                break;
            case 1:
                Copy(4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | ReadByte(_source));
                break;
            case 2:
                Span<byte> two = stackalloc byte[2];
                _source.ReadExactly(two);
                Copy(1 + (tag >> 2), BinaryPrimitives.ReadUInt16LittleEndian(two));
                break;
            default:
                Span<byte> four = stackalloc byte[4];
                _source.ReadExactly(four);
                uint offset = BinaryPrimitives.ReadUInt32LittleEndian(four);
                if (offset >= Window)
                {
                    throw new UnsupportedPagesException($"a Snappy back-reference of {offset} bytes");
                }

                Copy(1 + (tag >> 2), (int)offset);
                break;
        }

        if (_written + _literalLeft + _copyLeft > _length)
        {
            throw new InvalidDataException("Snappy data longer than its stated length");
        }
    }

    private void Copy(int length, int offset)
    {
        if (offset <= 0 || offset > _written || offset >= Window)
        {
            throw new InvalidDataException($"a Snappy back-reference of {offset} bytes after {_written}");
        }

        _copyLeft = length;
        _copyOffset = offset;
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            int b = ReadByte(_source);
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
