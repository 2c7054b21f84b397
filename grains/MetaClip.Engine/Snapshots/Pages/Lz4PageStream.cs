using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// Decompresses an LZ4 page as a stream (<see cref="WindowedDecoderStream"/>: an LZ4 back-reference reaches at most
/// 65,535 bytes): a raw LZ4 block (LZ4_RAW, and the older LZ4 codec as Parquet.Net and most writers wrote it), or
/// Hadoop's frames, each its decompressed size as a big-endian 32-bit number and then the blocks that fill it, each after
/// its compressed size (the older codec as parquet-mr wrote it: a page of more than about 256 KiB is a frame of several
/// blocks, then a frame of size 0 and no block). Parquet.Net writes a whole column chunk as one page, of hundreds of MB. A block is
/// sequences of a token (the lengths of its literals and of its match, 15 meaning "more bytes follow"), the literals,
/// and a match's 2-byte offset; the last sequence is literals alone.
/// </summary>
internal sealed class Lz4PageStream : WindowedDecoderStream
{
    private readonly bool _framed;
    private long _inLeft = long.MaxValue; // the current block's compressed bytes not read yet (framed: 0 between blocks; else until the source ends)
    private long _blockEnd;               // where the current frame's output ends (framed)
    private int _token = -1;              // the current sequence's token while its literals are copied; -1 between sequences

    /// <summary>
    /// Decompresses <paramref name="stored"/> bytes of <paramref name="source"/> to <paramref name="length"/> bytes;
    /// <paramref name="hadoopFramesAllowed"/> (the older LZ4 codec): Hadoop's frames when the first frame's sizes fit the
    /// page, else a raw block (a raw block's first byte is a token with literals, which read as a frame's size asks for
    /// 256 MiB or more).
    /// </summary>
    public Lz4PageStream(Stream source, long stored, long length, bool hadoopFramesAllowed)
        : base(source, length)
    {
        if (hadoopFramesAllowed && stored >= 8)
        {
            Span<byte> sizes = stackalloc byte[8];
            source.ReadExactly(sizes);
            uint size = BinaryPrimitives.ReadUInt32BigEndian(sizes), compressed = BinaryPrimitives.ReadUInt32BigEndian(sizes[4..]);
            _framed = size > 0 && size <= length && compressed <= stored - 8;
            if (_framed)
            {
                StartFrame(size);
                _inLeft = compressed;
            }
            else
            {
                // A raw block: the eight bytes read as sizes are its first bytes still.
                Source = new PrefixedStream(sizes.ToArray(), source);
            }
        }
    }

    protected override bool ReadElement()
    {
        if (_token >= 0)
        {
            ReadMatch();
            return true;
        }

        if (Written >= Length)
        {
            return false;
        }

        if (_framed && Written == _blockEnd && _inLeft != 0)
        {
            throw new InvalidDataException("an LZ4 frame holds more than its stated size");
        }

        if (_framed && _inLeft == 0)
        {
            // A block has ended, or a frame: the next frame's size (a frame of size 0 has no block), or the next block
            // of this frame after its compressed size.
            Span<byte> size = stackalloc byte[4];
            if (Source.ReadAtLeast(size, 4, throwOnEndOfStream: false) < 4)
            {
                throw new InvalidDataException($"an LZ4 frame ends early, after {Written} of the page's {Length} bytes");
            }

            if (Written == _blockEnd)
            {
                StartFrame(BinaryPrimitives.ReadUInt32BigEndian(size));
            }
            else
            {
                _inLeft = BinaryPrimitives.ReadUInt32BigEndian(size);
            }

            return true;
        }

        _token = Next() ?? throw new InvalidDataException($"LZ4 data ends after {Written} of its {Length} bytes");
        long literals = Extended(_token >> 4);
        Check(literals);
        Literals(literals);
        return true;
    }

    protected override void TakingLiterals(int count)
    {
        if (count > _inLeft)
        {
            throw new InvalidDataException("an LZ4 block's literals run past its end");
        }

        _inLeft -= _framed ? count : 0;
    }

    /// <summary>After a sequence's literals: its match, unless the block ends there (its last sequence).</summary>
    private void ReadMatch()
    {
        int token = _token;
        _token = -1;
        if (Next() is not int low)
        {
            // A frame's block may end short of the frame: its next block follows (checked when the frame ends).
            if (!_framed && Written != Length)
            {
                throw new InvalidDataException($"an LZ4 block ends after {Written} bytes, short of its stated size");
            }

            return;
        }

        int offset = low | ((Next() ?? throw new InvalidDataException("an LZ4 block ends inside a match's offset")) << 8);
        long length = Extended(token & 15) + 4;
        Check(length);
        Match((int)length, offset);
    }

    /// <summary>A 4-bit length, and the bytes that add to it while they are 255.</summary>
    private long Extended(int nibble)
    {
        long length = nibble;
        if (nibble == 15)
        {
            int b;
            do
            {
                b = Next() ?? throw new InvalidDataException("an LZ4 block ends inside a length");
                length += b;
            }
            while (b == 255 && length <= Length);
        }

        return length;
    }

    private void Check(long length)
    {
        if (Written + length > (_framed ? _blockEnd : Length))
        {
            throw new InvalidDataException($"LZ4 data longer than its stated {(_framed ? "frame" : "page")} size");
        }
    }

    private void StartFrame(uint size)
    {
        if (Written + size > Length)
        {
            throw new InvalidDataException($"an LZ4 frame of {size} bytes runs past the page's {Length}");
        }

        _blockEnd = Written + size;
        _inLeft = 0;
    }

    /// <summary>The block's next byte; null at its end (a frame's compressed size read, or the page's end).</summary>
    private int? Next()
    {
        if (_inLeft == 0)
        {
            return null;
        }

        int b = Source.ReadByte();
        if (b < 0)
        {
            return _framed ? throw new InvalidDataException("an LZ4 frame ends early") : null;
        }

        if (_framed)
        {
            _inLeft--;
        }

        return b;
    }

    /// <summary>Bytes already read, then the rest of a stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : ForwardReadStream
    {
        private int _at;

        public override int Read(Span<byte> buffer)
        {
            if (_at < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _at);
                prefix.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
                return n;
            }

            return rest.Read(buffer);
        }
    }
}
