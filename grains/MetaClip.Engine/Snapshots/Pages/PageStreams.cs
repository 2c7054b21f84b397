using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>The next <c>length</c> bytes of a stream, as a stream of their own (a page's body in its file).</summary>
internal sealed class SliceStream(Stream source, long length) : Stream
{
    private readonly long _length = length;
    private long _left = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position { get => _length - _left; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_left == 0)
        {
            return 0;
        }

        int read = source.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        if (read == 0)
        {
            throw new InvalidDataException("the file ends inside a page");
        }

        _left -= read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>PLAIN values read one after another from a (decompressing) stream through a buffer of their size or 64 KiB.</summary>
internal sealed class PlainValueReader(Stream source)
{
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>The next <paramref name="count"/> bytes, valid until the next read.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        if (_end - _start < count)
        {
            Fill(count);
        }

        var result = _buffer.AsSpan(_start, count);
        _start += count;
        return result;
    }

    private void Fill(int count)
    {
        int have = _end - _start;
        if (count > _buffer.Length)
        {
            var bigger = new byte[count];
            _buffer.AsSpan(_start, have).CopyTo(bigger);
            _buffer = bigger;
        }
        else
        {
            _buffer.AsSpan(_start, have).CopyTo(_buffer);
        }

        _start = 0;
        _end = have;
        while (_end < count)
        {
            int read = source.Read(_buffer.AsSpan(_end));
            if (read == 0)
            {
                throw new InvalidDataException("a page ends before its values");
            }

            _end += read;
        }
    }
}
