namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// A decompressor of literals and back-references (Snappy, LZ4) as a stream that holds only the last 128 KiB of its
/// output, which every back-reference of those formats stays inside: a page of hundreds of MB is read value by value.
/// A subclass reads its format's elements (<see cref="ReadElement"/>), each setting literals to copy from the source or a
/// match to copy from the window; this class copies them.
/// </summary>
internal abstract class WindowedDecoderStream(Stream source, long length) : ForwardReadStream
{
    protected const int Window = 1 << 17;
    private const int Mask = Window - 1;

    private readonly byte[] _window = new byte[Window];
    private long _literalLeft;
    private int _copyLeft;
    private int _copyOffset;

    /// <summary>The compressed bytes.</summary>
    protected Stream Source { get; set; } = source;

    /// <summary>The bytes decompressed so far.</summary>
    protected long Written { get; private set; }

    public override long Length => length;

    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public sealed override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            var target = buffer[total..];
            if (_literalLeft > 0)
            {
                int n = (int)Math.Min(Math.Min(target.Length, _literalLeft), Window / 2);
                TakingLiterals(n);
                Source.ReadExactly(target[..n]);
                int at = (int)(Written & Mask), first = Math.Min(n, Window - at);
                target[..first].CopyTo(_window.AsSpan(at));
                target[first..n].CopyTo(_window);
                Written += n;
                _literalLeft -= n;
                total += n;
            }
            else if (_copyLeft > 0)
            {
                int n = Math.Min(target.Length, _copyLeft);
                for (int i = 0; i < n;)
                {
                    // A run at most the offset long (so a match that overlaps itself repeats correctly) and not across
                    // the window's end, copied at once.
                    int from = (int)((Written - _copyOffset) & Mask), to = (int)(Written & Mask);
                    int run = Math.Min(Math.Min(n - i, _copyOffset), Math.Min(Window - from, Window - to));
                    _window.AsSpan(from, run).CopyTo(_window.AsSpan(to));
                    _window.AsSpan(to, run).CopyTo(target[i..]);
                    Written += run;
                    i += run;
                }

                _copyLeft -= n;
                total += n;
            }
            else if (!ReadElement())
            {
                break;
            }
        }

        return total;
    }

    /// <summary>Reads the next element of the format (and calls <see cref="Literals"/> or <see cref="Match"/>); false at the data's end.</summary>
    protected abstract bool ReadElement();

    /// <summary>Before <paramref name="count"/> literal bytes are read from <see cref="Source"/> (a format that counts its input counts them here).</summary>
    protected virtual void TakingLiterals(int count)
    {
    }

    /// <summary>The next <paramref name="count"/> bytes come from the source as they are.</summary>
    protected void Literals(long count) => _literalLeft = count;

    /// <summary>The next <paramref name="count"/> bytes repeat those <paramref name="offset"/> bytes back (checked by the caller to lie inside the window).</summary>
    protected void Match(int count, int offset)
    {
        if (offset <= 0 || offset > Written || offset >= Window)
        {
            throw new InvalidDataException($"a back-reference of {offset} bytes after {Written}");
        }

        _copyLeft = count;
        _copyOffset = offset;
    }

    /// <summary>Literals and matches not yet copied.</summary>
    protected long Pending => _literalLeft + _copyLeft;
}
