using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// The <c>length</c> bytes of a stream from <c>start</c> on, as a stream of their own (a page's body in its file, or a
/// whole gzip file). It reads at its own place, so its <see cref="Source"/> may be another stream over the same file
/// between reads (a page or a file read in several calls, each with its unit's stream). It remembers the last bytes it
/// read, to check that the file is still the same (<see cref="EndsAsBefore"/>).
/// </summary>
internal sealed class SliceStream(Stream source, long start, long length) : ForwardReadStream
{
    /// <summary>How many of the last bytes read are remembered.</summary>
    private const int TailBytes = 64;

    private readonly long _length = length;
    private readonly byte[] _tail = new byte[TailBytes];
    private long _read;
    private int _tailLength;

    /// <summary>The stream read from: seekable, over the file the slice lies in.</summary>
    public Stream Source { get; set; } = source;

    public override long Length => _length;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        if (_read == _length || buffer.IsEmpty)
        {
            return 0;
        }

        SeekSource();
        int read = Source.Read(buffer[..(int)Math.Min(buffer.Length, _length - _read)]);
        Remember(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_read == _length || buffer.IsEmpty)
        {
            return 0;
        }

        SeekSource();
        int read = await Source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _length - _read)], cancellationToken).ConfigureAwait(false);
        Remember(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Goes on reading from <paramref name="stream"/> (over the same file), if it still holds the bytes read last (<see cref="EndsAsBefore"/>).</summary>
    public bool ResumeOn(Stream stream)
    {
        if (!EndsAsBefore(stream))
        {
            return false;
        }

        Source = stream;
        return true;
    }

    private void SeekSource()
    {
        if (Source.Position != start + _read)
        {
            Source.Seek(start + _read, SeekOrigin.Begin);
        }
    }

    /// <summary>Counts bytes just read and remembers the last of them.</summary>
    private void Remember(ReadOnlySpan<byte> last)
    {
        if (last.IsEmpty)
        {
            throw new InvalidDataException($"the file ends at byte {start + _read}, inside a part read up to byte {start + _length} (it changed while read)");
        }

        _read += last.Length;
        if (last.Length >= TailBytes)
        {
            last[^TailBytes..].CopyTo(_tail);
            _tailLength = TailBytes;
        }
        else
        {
            // Shift the remembered bytes left and add these.
            int keep = Math.Min(_tailLength, TailBytes - last.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            last.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + last.Length;
        }
    }

    /// <summary>
    /// Whether <paramref name="stream"/> holds, just before this slice's place, the bytes this slice read last (a file
    /// replaced since would not: its bytes after the place must not be read on with what was decoded of the old ones).
    /// </summary>
    public bool EndsAsBefore(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_tailLength == 0)
        {
            return true;
        }

        Span<byte> now = stackalloc byte[TailBytes];
        now = now[.._tailLength];
        stream.Seek(start + _read - _tailLength, SeekOrigin.Begin);
        return stream.ReadAtLeast(now, _tailLength, throwOnEndOfStream: false) == _tailLength && now.SequenceEqual(_tail.AsSpan(0, _tailLength));
    }
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
