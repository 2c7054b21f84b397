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
/// <see cref="Pool"/>, the next range goes on from where the last one stopped.
/// </summary>
internal sealed class StreamingPage : IResumableRead
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

    /// <summary>
    /// The pages of this process left part way, each about 260 KiB, for at most a minute unused: four per core (a shard
    /// reads up to four columns, and a silo runs about as many shards at once as it has cores or fewer), at least 16
    /// and at most 128.
    /// </summary>
    public static ResumableReadPool<StreamingPageKey, StreamingPage> Pool { get; } =
        new(capacity: Math.Clamp(4 * Environment.ProcessorCount, 16, 128), maxIdleMilliseconds: 60_000);

    private StreamingPage(string column, bool isBytes, int width, int maxDefinition, PageHeader header, long firstRow, SliceStream slice,
        BufferedStream raw, Stream? decompressing, Stream values, byte[] levels)
    {
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

    /// <summary>The row of the chunk the next value read belongs to.</summary>
    public long NextRow { get; private set; }

    long IResumableRead.Place => NextRow;

    /// <summary>Whether every row of the page has been read.</summary>
    public bool Finished => NextRow >= _endRow;

    /// <summary>
    /// Opens the page whose body starts at <paramref name="body"/> of <paramref name="stream"/> and reads its definition
    /// levels; <paramref name="decompressing"/> wraps the stored bytes in the column's codec (null: stored plain).
    /// </summary>
    public static StreamingPage Open(Stream stream, long body, PageHeader header, long firstRow, string column, bool isBytes, int width,
        int maxDefinition, Func<Stream, long, long, Stream>? decompressing)
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

                if (header.DefinitionBytes < 0 || header.DefinitionBytes > header.CompressedSize || header.DefinitionBytes > header.UncompressedSize)
                {
                    throw new InvalidDataException($"column \"{column}\": a v2 page's levels of {header.DefinitionBytes} bytes do not fit it");
                }

                levels = new byte[header.DefinitionBytes];
                raw.ReadExactly(levels);
                values = header.Compressed && decompressing is not null
                    ? decompressor = decompressing(raw, header.CompressedSize - header.DefinitionBytes, header.UncompressedSize - header.DefinitionBytes)
                    : raw;
            }
            else
            {
                values = decompressing is not null ? decompressor = decompressing(raw, header.CompressedSize, header.UncompressedSize) : raw;
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

            return new StreamingPage(column, isBytes, width, maxDefinition, header, firstRow, slice, raw, decompressor, values, levels);
        }
        catch (Exception)
        {
            decompressor?.Dispose();
            raw.Dispose();
            throw;
        }
    }

    /// <summary>Goes on reading from <paramref name="stream"/> (another stream over the same file), if its bytes are still the ones read before.</summary>
    public bool ResumeOn(Stream stream) => _slice.ResumeOn(stream);

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
