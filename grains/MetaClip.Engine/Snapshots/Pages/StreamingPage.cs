using System.Buffers.Binary;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>Which page a <see cref="StreamingPage"/> reads: its file, column and place, and what its header and chunk say of it.</summary>
internal readonly record struct StreamingPageKey(string? Source, long FileBytes, string Column, long Body, int CompressedSize, int UncompressedSize, int Values,
    long ChunkBytes);

/// <summary>
/// A PLAIN page decoded as it streams in (docs/formats.md, "Reading Parquet by pages"), that keeps its place between
/// calls: only its definition levels, a 64 KiB read buffer, one value and the codec's window are held. A writer that
/// puts a whole column chunk in one page (Parquet.Net does) makes every row range of a split row group start in that
/// page; read from the page's start each time, a row group of n ranges decoded about n/2 pages a pass. Kept in
/// <see cref="StreamingPagePool"/>, the next range goes on from where the last one stopped.
/// </summary>
internal sealed class StreamingPage : IDisposable
{
    private readonly string _column;
    private readonly bool _isBytes;
    private readonly int _width;
    private readonly int _maxDefinition;
    private readonly int _pageBytes;
    private readonly long _firstRow;
    private readonly long _endRow;
    private readonly SliceStream _slice;
    private readonly BufferedStream _raw;
    private readonly Stream? _decompressing;
    private readonly PlainValueReader _reader;
    private readonly byte[] _levels;
    private HybridPlace _definitions;

    private StreamingPage(StreamingPageKey key, string column, bool isBytes, int width, int maxDefinition, PageHeader header, long firstRow, SliceStream slice,
        BufferedStream raw, Stream? decompressing, Stream values, byte[] levels)
    {
        Key = key;
        _column = column;
        _isBytes = isBytes;
        _width = width;
        _maxDefinition = maxDefinition;
        _pageBytes = header.UncompressedSize;
        NextRow = _firstRow = firstRow;
        _endRow = firstRow + header.Values;
        _slice = slice;
        _raw = raw;
        _decompressing = decompressing;
        _reader = new PlainValueReader(values);
        _levels = levels;
    }

    public StreamingPageKey Key { get; }

    /// <summary>The row of the chunk the next value read belongs to.</summary>
    public long NextRow { get; private set; }

    /// <summary>Whether every row of the page has been read.</summary>
    public bool Finished => NextRow >= _endRow;

    /// <summary>
    /// Opens the page whose body starts at <paramref name="body"/> of <paramref name="stream"/> and reads its definition
    /// levels; <paramref name="decompressing"/> wraps the stored bytes in the column's codec (null: stored plain).
    /// </summary>
    public static StreamingPage Open(StreamingPageKey key, Stream stream, long body, PageHeader header, long firstRow, string column, bool isBytes, int width,
        int maxDefinition, Func<Stream, Stream>? decompressing)
    {
        var slice = new SliceStream(stream, body, header.CompressedSize);
        var raw = new BufferedStream(slice, 1 << 16);
        Stream? decompressor = null;
        try
        {
            byte[] levels = [];
            Stream values;
            if (header.Kind == PageKind.DataV2)
            {
                if (header.RepetitionBytes != 0)
                {
                    throw new UnsupportedPagesException($"column \"{column}\": repetition levels");
                }

                levels = new byte[header.DefinitionBytes];
                raw.ReadExactly(levels);
                values = header.Compressed && decompressing is not null ? decompressor = decompressing(raw) : raw;
            }
            else
            {
                values = decompressing is not null ? decompressor = decompressing(raw) : raw;
                if (maxDefinition > 0)
                {
                    if (header.DefinitionEncoding != ColumnPageReader.Rle)
                    {
                        throw new UnsupportedPagesException($"column \"{column}\": definition levels encoded {header.DefinitionEncoding}");
                    }

                    Span<byte> length = stackalloc byte[4];
                    values.ReadExactly(length);
                    int count = BinaryPrimitives.ReadInt32LittleEndian(length);
                    if (count < 0 || count > header.UncompressedSize)
                    {
                        throw new InvalidDataException($"column \"{column}\": levels of {count} bytes in a page of {header.UncompressedSize}");
                    }

                    levels = new byte[count];
                    values.ReadExactly(levels);
                }
            }

            return new StreamingPage(key, column, isBytes, width, maxDefinition, header, firstRow, slice, raw, decompressor, values, levels);
        }
        catch (Exception)
        {
            decompressor?.Dispose();
            raw.Dispose();
            throw;
        }
    }

    /// <summary>Goes on reading from <paramref name="stream"/> (another stream over the same file), if its bytes are still the ones read before.</summary>
    public bool ResumeOn(Stream stream)
    {
        if (!_slice.EndsAsBefore(stream))
        {
            return false;
        }

        _slice.Source = stream;
        return true;
    }

    /// <summary>
    /// Reads on from <see cref="NextRow"/> (the page's first row, or a row at most <paramref name="start"/>) to the end of
    /// rows <c>[start, end)</c> or of the page, and puts the values of the rows from <paramref name="start"/> on into
    /// <paramref name="sink"/> (a range that began in an earlier page gets this page's rows from its first).
    /// </summary>
    public void Read(long start, long end, ValueSink sink)
    {
        if (NextRow > Math.Max(start, _firstRow))
        {
            throw new InvalidOperationException($"the page is at row {NextRow}, past the range's first row {start}");
        }

        var definitions = new HybridDecoder(_levels, _maxDefinition > 0 ? 1 : 0, _definitions);
        long stop = Math.Min(end, _endRow);
        for (long row = NextRow; row < stop; row++)
        {
            int index = (int)(row - start);
            bool wanted = row >= start;
            if (_maxDefinition > 0 && definitions.Next() != _maxDefinition)
            {
                if (wanted)
                {
                    sink.Null(index);
                }
            }
            else if (_isBytes)
            {
                int length = _reader.ReadInt32();
                if (length < 0 || length > _pageBytes)
                {
                    throw new InvalidDataException($"column \"{_column}\": a value of {length} bytes in a page of {_pageBytes}");
                }

                var value = _reader.Take(length);
                if (wanted)
                {
                    sink.Bytes(index, value);
                }
            }
            else
            {
                long value = _width == 4 ? _reader.ReadInt32() : _reader.ReadInt64();
                if (wanted)
                {
                    sink.Integer(index, value);
                }
            }

            // Kept row by row: a read that fails part way leaves the page at a row boundary, but such a page is dropped.
            NextRow = row + 1;
        }

        _definitions = definitions.Place;
    }

    public void Dispose()
    {
        _decompressing?.Dispose();
        _raw.Dispose();
    }
}

/// <summary>
/// The <see cref="StreamingPage"/>s of this process that stopped part way through their page, for the next row range of
/// the same page to go on from. At most <see cref="MaxPages"/> are kept, each for at most a minute unused: a page is
/// about 200 KiB (its buffers and levels). A page is taken only by a reader of the same file, column and page layout,
/// at or after its place, and only if the file still holds the bytes it read last.
/// </summary>
internal static class StreamingPagePool
{
    public const int MaxPages = 16;

    private const long MaxIdleMilliseconds = 60_000;

    private static readonly List<(StreamingPage Page, long ReturnedAt)> Idle = [];
    private static long _resumed;

    /// <summary>How many reads went on from a kept page (for tests and benchmarks).</summary>
    public static long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>The kept page of <paramref name="key"/> nearest before <paramref name="start"/>, now reading from <paramref name="stream"/>; null if none.</summary>
    public static StreamingPage? Take(StreamingPageKey key, long start, Stream stream)
    {
        StreamingPage? page = null;
        lock (Idle)
        {
            DropIdle();
            int best = -1;
            for (int i = 0; i < Idle.Count; i++)
            {
                var candidate = Idle[i].Page;
                if (candidate.Key == key && candidate.NextRow <= start && (best < 0 || candidate.NextRow > Idle[best].Page.NextRow))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                page = Idle[best].Page;
                Idle.RemoveAt(best);
            }
        }

        if (page is null)
        {
            return null;
        }

        bool resumed = false;
        try
        {
            resumed = page.ResumeOn(stream);
        }
        finally
        {
            if (!resumed)
            {
                page.Dispose();
            }
        }

        if (!resumed)
        {
            return null;
        }

        Interlocked.Increment(ref _resumed);
        return page;
    }

    /// <summary>Keeps a page that stopped part way (the oldest kept page makes room); a finished page is disposed.</summary>
    public static void Return(StreamingPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Finished)
        {
            page.Dispose();
            return;
        }

        lock (Idle)
        {
            DropIdle();
            if (Idle.Count >= MaxPages)
            {
                Idle[0].Page.Dispose();
                Idle.RemoveAt(0);
            }

            Idle.Add((page, Environment.TickCount64));
        }
    }

    private static void DropIdle()
    {
        long now = Environment.TickCount64;
        for (int i = Idle.Count - 1; i >= 0; i--)
        {
            if (now - Idle[i].ReturnedAt > MaxIdleMilliseconds)
            {
                Idle[i].Page.Dispose();
                Idle.RemoveAt(i);
            }
        }
    }
}
