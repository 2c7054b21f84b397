using System.Buffers.Binary;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// Keeps the min/max statistics of a Parquet file short. Parquet.Net writes, for every column chunk and every data
/// page, the whole smallest and largest value four times (<c>min</c>, <c>max</c>, <c>min_value</c>, <c>max_value</c>)
/// and has no setting to stop it, so one 52 MB text made a 210 MB footer and page headers of the same size, which
/// readers with a Thrift size limit (pyarrow's defaults among them) refuse to open. <see cref="Rewrite"/> copies a file
/// written by it, page by page, and drops the min/max of every statistic in which one of them is longer than
/// <see cref="MaxBytes"/> (the rule of Arrow's <c>max_statistics_size</c>: a bound that is not written cannot be
/// wrong, a truncated one could be); null counts stay. Page data is copied byte for byte; page offsets and sizes in the
/// footer are moved by what the page headers lost.
/// </summary>
public static class ParquetStatisticsLimit
{
    /// <summary>The longest min or max value kept in a statistic, in bytes.</summary>
    public const int MaxBytes = 4096;

    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="destination"/> with long min/max statistics dropped. Fails
    /// with <see cref="InvalidDataException"/> naming the file when it is not a Parquet file this can rewrite.
    /// </summary>
    public static void Rewrite(string source, string destination)
    {
        string name = System.IO.Path.GetFileName(source);
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long footerStart = FindFooter(input, name, out int footerLength);

        var footer = new FooterRewriter(name);
        input.Position = footerStart;
        var scan = new ThriftCompactReader(input, $"{name}'s footer");
        footer.Scan(scan);
        if (scan.Consumed != footerLength)
        {
            throw new InvalidDataException($"{name}'s footer is {footerLength} bytes long but its Thrift data ends after {scan.Consumed}.");
        }

        using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        output.Write(Magic);
        input.Position = Magic.Length;
        var copyBuffer = new byte[1 << 16];
        foreach (var chunk in footer.ChunksInFileOrder(footerStart))
        {
            CopyRaw(input, output, chunk.Start - input.Position, copyBuffer, name);
            long end = chunk.Start + chunk.Size;
            while (input.Position < end)
            {
                long headerStart = input.Position;
                var reader = new ThriftCompactReader(input, $"{name}'s page header at byte {headerStart}");
                using var header = new MemoryStream();
                long dataSize = PageHeader.Rewrite(reader, new ThriftCompactWriter(header));
                long delta = header.Length - reader.Consumed;
                footer.Moved(headerStart, delta, chunk);
                header.Position = 0;
                header.CopyTo(output);
                CopyRaw(input, output, dataSize, copyBuffer, name);
            }

            if (input.Position != end)
            {
                throw new InvalidDataException($"{name}: the pages of the column chunk at byte {chunk.Start} end at byte {input.Position}, not at byte {end} as its metadata says.");
            }
        }

        CopyRaw(input, output, footerStart - input.Position, copyBuffer, name);

        input.Position = footerStart;
        long newFooterStart = output.Position;
        footer.Rewrite(new ThriftCompactReader(input, $"{name}'s footer"), new ThriftCompactWriter(output));
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, checked((int)(output.Position - newFooterStart)));
        Magic.CopyTo(tail[4..]);
        output.Write(tail);
    }

    private static long FindFooter(FileStream input, string name, out int footerLength)
    {
        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        if (input.Length < 12)
        {
            throw new InvalidDataException($"{name} is {input.Length} bytes long, too short for a Parquet file.");
        }

        input.ReadExactly(head);
        input.Position = input.Length - 8;
        input.ReadExactly(tail);
        if (!head.SequenceEqual(Magic) || !tail[4..].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{name} does not start and end with PAR1: not a Parquet file.");
        }

        footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        long footerStart = input.Length - 8 - footerLength;
        return footerLength > 0 && footerStart >= Magic.Length
            ? footerStart
            : throw new InvalidDataException($"{name} gives a footer length of {footerLength} bytes, which does not fit its {input.Length} bytes.");
    }

    private static void CopyRaw(FileStream input, FileStream output, long count, byte[] buffer, string name)
    {
        if (count < 0)
        {
            throw new InvalidDataException($"{name}: column chunks overlap at byte {input.Position}.");
        }

        while (count > 0)
        {
            int n = (int)Math.Min(count, buffer.Length);
            try
            {
                input.ReadExactly(buffer, 0, n);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"{name} ends inside a page at byte {input.Position}.");
            }

            output.Write(buffer, 0, n);
            count -= n;
        }
    }

    private static void RewriteStruct(ThriftCompactReader reader, ThriftCompactWriter writer, Func<short, byte, ThriftStructOutput, bool> handle) =>
        ThriftCompactCopy.Struct(reader, writer, handle);

    /// <summary>Reads a list of structs, rewriting each with <paramref name="element"/>.</summary>
    private static void RewriteStructList(ThriftCompactReader reader, ThriftStructOutput output, short id, byte type, Action<ThriftCompactReader, ThriftCompactWriter> element)
    {
        output.Field(id, type);
        var (count, elementType) = reader.ReadListHeader();
        if (elementType != ThriftType.Struct)
        {
            throw reader.Corrupt($"has field {id} as a list of type {elementType}, not of structs");
        }

        output.Writer.WriteListHeader(count, elementType);
        for (long i = 0; i < count; i++)
        {
            element(reader, output.Writer);
        }
    }

    private static void Expect(ThriftCompactReader reader, short id, byte type, byte expected)
    {
        bool integer = expected is ThriftType.I32 or ThriftType.I64;
        if (type != expected && !(integer && type is ThriftType.I32 or ThriftType.I64))
        {
            throw reader.Corrupt($"has field {id} of Thrift type {type}, not {expected}");
        }
    }

    /// <summary>Parquet's <c>Statistics</c> struct, with min/max dropped when one of them is too long.</summary>
    private static class Statistics
    {
        private const short Max = 1, Min = 2, MaxValue = 5, MinValue = 6, IsMaxExact = 7, IsMinExact = 8;

        public static void Rewrite(ThriftCompactReader reader, ThriftCompactWriter writer)
        {
            var fields = new List<(short Id, byte Type, byte[] Value)>();
            bool tooLong = false;
            short last = 0;
            while (true)
            {
                var (id, type) = reader.ReadFieldHeader(last);
                if (type == ThriftType.Stop)
                {
                    break;
                }

                last = id;
                if (type == ThriftType.Binary && id is Max or Min or MaxValue or MinValue)
                {
                    long length = reader.ReadBinaryLength();
                    if (length > MaxBytes)
                    {
                        reader.CopyBytes(length, null);
                        tooLong = true;
                        continue;
                    }

                    using var value = new MemoryStream();
                    var valueWriter = new ThriftCompactWriter(value);
                    valueWriter.WriteVarint((ulong)length);
                    reader.CopyBytes(length, value);
                    fields.Add((id, type, value.ToArray()));
                }
                else
                {
                    using var value = new MemoryStream();
                    ThriftCompactCopy.Value(reader, new ThriftCompactWriter(value), type);
                    fields.Add((id, type, value.ToArray()));
                }
            }

            var output = new ThriftStructOutput(writer);
            foreach (var (id, type, value) in fields)
            {
                if (tooLong && id is Max or Min or MaxValue or MinValue or IsMaxExact or IsMinExact)
                {
                    continue;
                }

                output.Field(id, type);
                writer.Stream.Write(value);
            }

            writer.WriteStop();
        }
    }

    /// <summary>Parquet's <c>PageHeader</c>, with the statistics of its data page header limited.</summary>
    private static class PageHeader
    {
        private const short CompressedPageSize = 3, DataPage = 5, DataPageV2 = 8;
        private const short DataPageStatistics = 5, DataPageV2Statistics = 8;

        /// <summary>Rewrites the header and returns the size of the page's data that follows it.</summary>
        public static long Rewrite(ThriftCompactReader reader, ThriftCompactWriter writer)
        {
            long dataSize = -1;
            RewriteStruct(reader, writer, (id, type, output) =>
            {
                switch (id)
                {
                    case CompressedPageSize:
                        Expect(reader, id, type, ThriftType.I32);
                        dataSize = reader.ReadI64();
                        output.I64(id, type, dataSize);
                        return true;
                    case DataPage or DataPageV2:
                        Expect(reader, id, type, ThriftType.Struct);
                        output.Field(id, type);
                        short statistics = id == DataPage ? DataPageStatistics : DataPageV2Statistics;
                        RewriteStruct(reader, output.Writer, (innerId, innerType, innerOutput) =>
                        {
                            if (innerId != statistics)
                            {
                                return false;
                            }

                            Expect(reader, innerId, innerType, ThriftType.Struct);
                            innerOutput.Field(innerId, innerType);
                            Statistics.Rewrite(reader, innerOutput.Writer);
                            return true;
                        });
                        return true;
                    default:
                        return false;
                }
            });

            return dataSize >= 0 ? dataSize : throw reader.Corrupt("is a page header without a valid compressed page size");
        }
    }

    /// <summary>Where a column chunk's pages are, and how much its page headers shrank.</summary>
    private sealed class ChunkPlace
    {
        public long Start { get; set; }

        public long Size { get; set; }

        public long DataPageOffset { get; set; } = -1;

        public long DictionaryPageOffset { get; set; } = -1;

        public long Delta { get; set; }

        public int RowGroup { get; init; }
    }

    /// <summary>
    /// Parquet's <c>FileMetaData</c>: scanned once for where the column chunks are, then rewritten with their new
    /// offsets and sizes and their statistics limited.
    /// </summary>
    private sealed class FooterRewriter(string name)
    {
        // FileMetaData
        private const short RowGroups = 4;

        // RowGroup
        private const short Columns = 1, TotalByteSize = 2, RowGroupFileOffset = 5, RowGroupCompressedSize = 6;

        // ColumnChunk
        private const short FilePath = 1, ChunkFileOffset = 2, MetaData = 3, OffsetIndexOffset = 4, ColumnIndexOffset = 6, CryptoMetadata = 8, EncryptedMetadata = 9;

        // ColumnMetaData
        private const short UncompressedSize = 6, CompressedSize = 7, DataPageOffset = 9, IndexPageOffset = 10, DictionaryPageOffset = 11, ColumnStatistics = 12, BloomFilterOffset = 14;

        private readonly List<ChunkPlace> _chunks = [];
        private readonly List<long> _headerStarts = [];
        private readonly List<long> _movedBefore = [];
        private bool _scanning;
        private int _rowGroup;
        private int _chunk;

        public void Scan(ThriftCompactReader reader)
        {
            _scanning = true;
            FileMetaData(reader, new ThriftCompactWriter(Stream.Null));
        }

        public void Rewrite(ThriftCompactReader reader, ThriftCompactWriter writer)
        {
            _scanning = false;
            _rowGroup = 0;
            _chunk = 0;
            FileMetaData(reader, writer);
        }

        public List<ChunkPlace> ChunksInFileOrder(long footerStart)
        {
            foreach (var chunk in _chunks)
            {
                chunk.Start = chunk.DictionaryPageOffset > 0 && chunk.DictionaryPageOffset < chunk.DataPageOffset ? chunk.DictionaryPageOffset : chunk.DataPageOffset;
                if (chunk.Start < Magic.Length || chunk.Size <= 0 || chunk.Start + chunk.Size > footerStart)
                {
                    throw new InvalidDataException($"{name}: a column chunk of row group {chunk.RowGroup} is placed at byte {chunk.Start}, {chunk.Size} bytes long, outside the file's pages.");
                }
            }

            return _chunks.OrderBy(c => c.Start).ToList();
        }

        /// <summary>The page header at <paramref name="headerStart"/> changed its length by <paramref name="delta"/>.</summary>
        public void Moved(long headerStart, long delta, ChunkPlace chunk)
        {
            _headerStarts.Add(headerStart);
            _movedBefore.Add((_movedBefore.Count == 0 ? 0 : _movedBefore[^1]) + delta);
            chunk.Delta += delta;
        }

        /// <summary>Where a byte of the old file is in the new one: moved by every page header that starts before it.</summary>
        private long Map(long offset)
        {
            int i = _headerStarts.BinarySearch(offset);
            int before = i >= 0 ? i : ~i;
            return before == 0 ? offset : offset + _movedBefore[before - 1];
        }

        private void FileMetaData(ThriftCompactReader reader, ThriftCompactWriter writer) =>
            RewriteStruct(reader, writer, (id, type, output) =>
            {
                if (id != RowGroups)
                {
                    return false;
                }

                RewriteStructList(reader, output, id, type, RowGroup);
                return true;
            });

        private void RowGroup(ThriftCompactReader reader, ThriftCompactWriter writer)
        {
            RewriteStruct(reader, writer, (id, type, output) =>
            {
                switch (id)
                {
                    case Columns:
                        RewriteStructList(reader, output, id, type, ColumnChunk);
                        return true;
                    case TotalByteSize or RowGroupCompressedSize:
                        Expect(reader, id, type, ThriftType.I64);
                        long size = reader.ReadI64();
                        output.I64(id, type, _scanning ? size : size + GroupDelta());
                        return true;
                    case RowGroupFileOffset:
                        Expect(reader, id, type, ThriftType.I64);
                        long offset = reader.ReadI64();
                        output.I64(id, type, _scanning ? offset : Map(offset));
                        return true;
                    default:
                        return false;
                }
            });
            _rowGroup++;
        }

        /// <summary>How much the page headers of the current row group shrank (known before the footer is rewritten).</summary>
        private long GroupDelta() => _chunks.Where(c => c.RowGroup == _rowGroup).Sum(c => c.Delta);

        private void ColumnChunk(ThriftCompactReader reader, ThriftCompactWriter writer)
        {
            var chunk = _scanning ? new ChunkPlace { RowGroup = _rowGroup } : _chunks[_chunk];
            if (_scanning)
            {
                _chunks.Add(chunk);
            }

            RewriteStruct(reader, writer, (id, type, output) =>
            {
                switch (id)
                {
                    case FilePath:
                        throw new InvalidDataException($"{name} keeps column data in another file: not supported.");
                    case OffsetIndexOffset or ColumnIndexOffset:
                        throw new InvalidDataException($"{name} has a page index, which would keep the long statistics: not supported.");
                    case CryptoMetadata or EncryptedMetadata:
                        throw new InvalidDataException($"{name} is encrypted: not supported.");
                    case ChunkFileOffset:
                        Expect(reader, id, type, ThriftType.I64);
                        long offset = reader.ReadI64();
                        output.I64(id, type, _scanning ? offset : Map(offset));
                        return true;
                    case MetaData:
                        Expect(reader, id, type, ThriftType.Struct);
                        output.Field(id, type);
                        ColumnMetaData(reader, output.Writer, chunk);
                        return true;
                    default:
                        return false;
                }
            });
            _chunk++;
        }

        private void ColumnMetaData(ThriftCompactReader reader, ThriftCompactWriter writer, ChunkPlace chunk) =>
            RewriteStruct(reader, writer, (id, type, output) =>
            {
                switch (id)
                {
                    case UncompressedSize or CompressedSize:
                        Expect(reader, id, type, ThriftType.I64);
                        long size = reader.ReadI64();
                        if (_scanning && id == CompressedSize)
                        {
                            chunk.Size = size;
                        }

                        output.I64(id, type, _scanning ? size : size + chunk.Delta);
                        return true;
                    case DataPageOffset or IndexPageOffset or DictionaryPageOffset or BloomFilterOffset:
                        Expect(reader, id, type, ThriftType.I64);
                        long offset = reader.ReadI64();
                        if (_scanning && id == DataPageOffset)
                        {
                            chunk.DataPageOffset = offset;
                        }
                        else if (_scanning && id == DictionaryPageOffset)
                        {
                            chunk.DictionaryPageOffset = offset;
                        }

                        output.I64(id, type, _scanning ? offset : Map(offset));
                        return true;
                    case ColumnStatistics:
                        Expect(reader, id, type, ThriftType.Struct);
                        output.Field(id, type);
                        Statistics.Rewrite(reader, output.Writer);
                        return true;
                    default:
                        return false;
                }
            });
    }
}
