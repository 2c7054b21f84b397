using System.Buffers.Binary;
using System.IO.Compression;
using Parquet.Meta;
using Parquet.Schema;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>What a column's values are read as.</summary>
internal enum ValueKind
{
    String,
    Binary,
    Int32,
    UInt32,
    Int64,
    UInt64,
}

/// <summary>Where <see cref="ColumnPageReader"/> puts the values of the rows it reads, by index from the range's first row.</summary>
internal abstract class ValueSink
{
    public abstract void Null(int index);

    public abstract void Bytes(int index, ReadOnlySpan<byte> value);

    /// <summary>An integer value as stored (an unsigned column's bits in a signed number).</summary>
    public abstract void Integer(int index, long value);
}

/// <summary>The page reader does not read this column (another encoding, codec or type): read it the whole-chunk way.</summary>
internal sealed class UnsupportedPagesException(string message) : Exception(message);

/// <summary>
/// Reads rows <c>[start, end)</c> of one flat column chunk page by page (docs/formats.md, "Grouping"): the pages before
/// the range are passed over by their header's value count without being read, those after it are never reached, and
/// only one page (compressed and decompressed) and the chunk's dictionary are held at a time. Parquet.Net reads a
/// whole column chunk at once; this is what lets a big row group be read in bounded memory. It reads data pages v1 and
/// v2 and dictionary pages; PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY and the DELTA encodings (<see cref="DeltaEncodings"/>:
/// DELTA_BINARY_PACKED of integers, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY of byte arrays); RLE definition levels;
/// uncompressed, SNAPPY, GZIP, BROTLI, ZSTD, LZ4 and LZ4_RAW pages; of BYTE_ARRAY, INT32 and INT64 columns that are not
/// nested. Anything else throws <see cref="UnsupportedPagesException"/> (and bad data <see cref="InvalidDataException"/>).
/// Every string encoding and codec of the format but LZO is read here, so that a string's bytes are always checked
/// (<see cref="StringSink.Decode"/>), never turned into U+FFFD by another decoder.
/// </summary>
internal static class ColumnPageReader
{
    /// <summary>No page of a column is believed larger than this (a damaged header is not allocated for).</summary>
    private const int MaxPageBytes = 1 << 30;

    private const int Plain = 0, PlainDictionary = 2, DeltaBinaryPacked = 5, DeltaLengthByteArray = 6, DeltaByteArray = 7, RleDictionary = 8;

    /// <summary>The format's codecs (its thrift <c>CompressionCodec</c>) the page reader decompresses.</summary>
    private const int Uncompressed = 0, Snappy = 1, Gzip = 2, Brotli = 4, Lz4 = 5, Zstd = 6, Lz4Raw = 7;

    /// <summary>The RLE encoding of definition levels.</summary>
    internal const int Rle = 3;

    /// <summary>
    /// A PLAIN data page larger than this (after decompression) is decoded as it streams in, never held whole: a writer
    /// that puts a whole column chunk in one page (Parquet.Net does) makes pages of hundreds of MB.
    /// </summary>
    public const int DefaultStreamAbove = 4 << 20;

    /// <summary>The kind of values of a field the snapshot reader accepts (<see cref="ParquetUnitReader"/>).</summary>
    public static ValueKind KindOf(DataField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var type = field.ClrType;
        return type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? ValueKind.String
            : type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? ValueKind.Binary
            : type == typeof(int) ? ValueKind.Int32
            : type == typeof(uint) ? ValueKind.UInt32
            : type == typeof(long) ? ValueKind.Int64
            : type == typeof(ulong) ? ValueKind.UInt64
            : throw new UnsupportedPagesException($"column \"{field.Name}\" of type {type.Name}");
    }

    /// <summary>
    /// Reads rows <c>[start, end)</c> of the column chunk into <paramref name="sink"/>. <paramref name="source"/> names the
    /// file (its path), so that a streamed page left part way by one call can be gone on with by the next call for the
    /// same file (<see cref="StreamingPage.Pool"/>).
    /// </summary>
    public static async Task ReadAsync(Stream stream, ColumnChunk chunk, DataField field, long start, long end, ValueSink sink, CancellationToken cancellationToken,
        int streamAbove = DefaultStreamAbove, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(sink);
        var meta = chunk.MetaData ?? throw new UnsupportedPagesException("a column chunk without metadata");
        var kind = KindOf(field);
        int physical = (int)meta.Type;
        int expected = kind switch { ValueKind.String or ValueKind.Binary => 6, ValueKind.Int32 or ValueKind.UInt32 => 1, _ => 2 }; // BYTE_ARRAY, INT32, INT64
        if (physical != expected || field.MaxRepetitionLevel != 0 || field.MaxDefinitionLevel > 1 || chunk.FilePath is not null || chunk.CryptoMetadata is not null || !stream.CanSeek)
        {
            throw new UnsupportedPagesException($"column \"{field.Name}\" (physical type {meta.Type}, levels {field.MaxRepetitionLevel}/{field.MaxDefinitionLevel})");
        }

        int codec = (int)meta.Codec;
        if (codec is not (Uncompressed or Snappy or Gzip or Brotli or Lz4 or Zstd or Lz4Raw))
        {
            throw new UnsupportedPagesException($"column \"{field.Name}\" compressed with {meta.Codec}");
        }

        long first = meta.DictionaryPageOffset is long d && d > 0 && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        long chunkEnd = first + meta.TotalCompressedSize;
        if (first < 0 || meta.TotalCompressedSize < 0 || chunkEnd > stream.Length)
        {
            throw new InvalidDataException($"column \"{field.Name}\": its chunk {first}+{meta.TotalCompressedSize} lies outside the file");
        }

        var column = new Column(field.Name, kind, field.MaxDefinitionLevel, codec);
        PageDictionary? dictionary = null;
        long position = first, row = 0;
        while (row < end && position < chunkEnd)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var header = await ReadHeaderAsync(stream, position, chunkEnd, cancellationToken).ConfigureAwait(false);
            long body = position + header.Size;
            position = body + header.CompressedSize;
            if (position > chunkEnd || header.CompressedSize > MaxPageBytes || header.UncompressedSize > MaxPageBytes)
            {
                throw new InvalidDataException($"column \"{field.Name}\": a page of {header.CompressedSize} bytes runs off its chunk");
            }

            switch (header.Kind)
            {
                case PageKind.Dictionary:
                    dictionary = await DictionaryAsync(stream, body, header, column, KeyOf(source, stream, column, body, header), last: end >= meta.NumValues,
                        cancellationToken).ConfigureAwait(false);
                    break;
                case PageKind.Data or PageKind.DataV2:
                    if (header.Values < 0)
                    {
                        throw new InvalidDataException($"column \"{field.Name}\": a data page of {header.Values} values");
                    }

                    if (row + header.Values > start && header.Encoding == Plain && header.UncompressedSize > streamAbove)
                    {
                        var key = new StreamingPageKey(source, stream.Length, field.Name, body, header.CompressedSize, header.UncompressedSize, header.Values,
                            meta.TotalCompressedSize);
                        ReadStreaming(key, stream, body, header, row, column, start, end, sink);
                    }
                    else if (row + header.Values > start)
                    {
                        var page = await DataPageAsync(stream, body, header, column, KeyOf(source, stream, column, body, header), startsInside: start > row,
                            endsInside: end < row + header.Values, cancellationToken).ConfigureAwait(false);
                        column.ReadData(header, page, dictionary, row, start, end, sink);
                    }

                    row += header.Values;
                    break;
                default:
                    break; // an index page: nothing to read
            }
        }

        if (row < end)
        {
            throw new InvalidDataException($"column \"{field.Name}\": its chunk holds {row} values, fewer than the {end} rows read");
        }
    }

    /// <summary>
    /// Rows <c>[start, end)</c> of a streamed page (those of it), gone on with from a kept <see cref="StreamingPage"/> of
    /// this page at or before <paramref name="start"/> when there is one, else read from the page's start; a page left
    /// part way is kept for the next range. Nothing is kept of a file that is not named.
    /// </summary>
    private static void ReadStreaming(StreamingPageKey key, Stream stream, long body, PageHeader header, long firstRow, Column column, long start, long end, ValueSink sink)
    {
        var page = (key.Source is null ? null : StreamingPage.Pool.Take(key, start, stream))
            ?? StreamingPage.Open(stream, body, header, firstRow, column.Name, column.IsBytes, column.Width, column.MaxDefinition,
                column.Codec == 0 ? null : column.Decompressing);
        bool read = false;
        try
        {
            page.Read(start, end, sink);
            read = true;
        }
        finally
        {
            if (read && key.Source is not null)
            {
                StreamingPage.Pool.Return(key, page);
            }
            else
            {
                page.Dispose();
            }
        }
    }

    /// <summary>A page's key among the <see cref="DecodedPages"/>; null when the file is not named (nothing is kept then).</summary>
    private static DecodedPageKey? KeyOf(string? source, Stream stream, Column column, long body, PageHeader header) =>
        source is null ? null : new DecodedPageKey(source, stream.Length, column.Name, body, header.CompressedSize, header.UncompressedSize, header.Values);

    /// <summary>
    /// A chunk's dictionary: the kept one (<see cref="DecodedPages"/>) if another range read it, else read and kept; the
    /// range that reads to the chunk's end (<paramref name="last"/>) drops it.
    /// </summary>
    private static async Task<PageDictionary> DictionaryAsync(Stream stream, long body, PageHeader header, Column column, DecodedPageKey? key, bool last,
        CancellationToken cancellationToken)
    {
        if (key is { } kept && DecodedPages.Shared.Get<PageDictionary>(kept, stream) is { } known)
        {
            if (last)
            {
                DecodedPages.Shared.Forget(kept);
            }

            return known;
        }

        var (page, stored) = await ReadBodyAsync(stream, body, header, column, cancellationToken).ConfigureAwait(false);
        var dictionary = column.ReadDictionary(header, page);
        if (!last && key is { } keep)
        {
            DecodedPages.Shared.Keep(keep, dictionary, dictionary.Bytes, stored);
        }

        return dictionary;
    }

    /// <summary>
    /// A data page's bytes after decompression: a range that starts inside the page takes it from the
    /// <see cref="DecodedPages"/> when the range before kept it (and drops it if it reads the page to its end), and a range
    /// that ends inside the page keeps it for the next.
    /// </summary>
    private static async Task<byte[]> DataPageAsync(Stream stream, long body, PageHeader header, Column column, DecodedPageKey? key, bool startsInside, bool endsInside,
        CancellationToken cancellationToken)
    {
        if (startsInside && key is { } kept && DecodedPages.Shared.Get<byte[]>(kept, stream) is { } known)
        {
            if (!endsInside)
            {
                DecodedPages.Shared.Forget(kept);
            }

            return known;
        }

        var (page, stored) = await ReadBodyAsync(stream, body, header, column, cancellationToken).ConfigureAwait(false);
        if (endsInside && key is { } keep)
        {
            DecodedPages.Shared.Keep(keep, page, page.Length, stored);
        }

        return page;
    }

    /// <summary>The headers of a column chunk's pages, in order (for tests and diagnostics).</summary>
    public static async Task<IReadOnlyList<PageHeader>> PagesAsync(Stream stream, ColumnChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var meta = chunk?.MetaData ?? throw new UnsupportedPagesException("a column chunk without metadata");
        long position = meta.DictionaryPageOffset is long d && d > 0 && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        long chunkEnd = position + meta.TotalCompressedSize;
        var pages = new List<PageHeader>();
        while (position < chunkEnd)
        {
            var header = await ReadHeaderAsync(stream, position, chunkEnd, cancellationToken).ConfigureAwait(false);
            pages.Add(header);
            position += header.Size + header.CompressedSize;
        }

        return pages;
    }

    private static async Task<PageHeader> ReadHeaderAsync(Stream stream, long position, long chunkEnd, CancellationToken cancellationToken)
    {
        for (int size = 256; ; size *= 4)
        {
            int length = (int)Math.Min(size, chunkEnd - position);
            var buffer = new byte[length];
            stream.Seek(position, SeekOrigin.Begin);
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (PageHeader.Read(buffer) is PageHeader header)
            {
                return header;
            }

            if (length < size || size >= 64 << 20)
            {
                throw new InvalidDataException($"a page header at byte {position} runs off its column chunk");
            }
        }
    }

    /// <summary>A page's bytes after decompression (a v2 page's levels are stored uncompressed before its values), and as stored.</summary>
    private static async Task<(byte[] Page, byte[] Stored)> ReadBodyAsync(Stream stream, long position, PageHeader header, Column column, CancellationToken cancellationToken)
    {
        var stored = GC.AllocateUninitializedArray<byte>(header.CompressedSize);
        stream.Seek(position, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(stored, cancellationToken).ConfigureAwait(false);
        int levels = 0;
        if (header.Kind == PageKind.DataV2)
        {
            levels = header.DefinitionBytes + header.RepetitionBytes;
            if (header.DefinitionBytes < 0 || header.RepetitionBytes < 0 || levels > stored.Length || levels > header.UncompressedSize)
            {
                throw new InvalidDataException($"column \"{column.Name}\": a v2 page's levels of {levels} bytes do not fit it");
            }

            if (!header.Compressed)
            {
                return (stored, stored);
            }
        }

        if (column.Codec == Uncompressed)
        {
            return (stored, stored);
        }

        var page = GC.AllocateUninitializedArray<byte>(header.UncompressedSize);
        stored.AsSpan(0, levels).CopyTo(page);
        var source = stored.AsSpan(levels);
        var target = page.AsSpan(levels);
        int written;
        try
        {
            written = column.Codec switch
            {
                Snappy => Snappier.Snappy.Decompress(source, target),
                Gzip => Gunzip(stored, levels, page, levels),
                Brotli => Unbrotli(source, target),
                Lz4 => Lz4Hadoop(source, target) ?? Lz4Block(source, target),
                Lz4Raw => Lz4Block(source, target),
                _ => Unzstd(source, target),
            };
        }
        catch (Exception e) when (IsDecompressorDamage(e))
        {
            throw new InvalidDataException($"column \"{column.Name}\": a page does not decompress ({e.Message})", e);
        }

        if (written != target.Length)
        {
            throw new InvalidDataException($"column \"{column.Name}\": a page decompressed to {written} bytes, its header says {target.Length}");
        }

        return (page, stored);
    }

    private static int Gunzip(byte[] source, int offset, byte[] target, int targetOffset)
    {
        using var gzip = new GZipStream(new MemoryStream(source, offset, source.Length - offset, writable: false), CompressionMode.Decompress);
        return gzip.ReadAtLeast(target.AsSpan(targetOffset), target.Length - targetOffset, throwOnEndOfStream: false);
    }

    /// <summary>A decompressor's own word for damage (Snappier: "output buffer is too small"; Brotli: an invalid operation; Zstd's exception).</summary>
    private static bool IsDecompressorDamage(Exception e) => e is ArgumentException or InvalidOperationException or ZstdSharp.ZstdException;

    /// <summary>A page decompressed as it is read, whose damage is <see cref="InvalidDataException"/> whatever the codec.</summary>
    private sealed class DecompressedPageStream(Stream inner, string column) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (Exception e) when (IsDecompressorDamage(e))
            {
                throw new InvalidDataException($"column \"{column}\": a page does not decompress ({e.Message})", e);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private static int Unzstd(ReadOnlySpan<byte> source, Span<byte> target)
    {
        using var zstd = new ZstdSharp.Decompressor();
        return zstd.Unwrap(source, target);
    }

    /// <summary>A Brotli stream that must fill <paramref name="target"/> exactly (-1 when it is not one that does).</summary>
    private static int Unbrotli(ReadOnlySpan<byte> source, Span<byte> target) =>
        BrotliDecoder.TryDecompress(source, target, out int written) ? written : -1;

    /// <summary>A raw LZ4 block (LZ4_RAW, and what most writers of the older LZ4 codec wrote); -1 when it is not one.</summary>
    private static int Lz4Block(ReadOnlySpan<byte> source, Span<byte> target) =>
        source.IsEmpty ? 0 : K4os.Compression.LZ4.LZ4Codec.Decode(source, target);

    /// <summary>
    /// The older LZ4 codec as Hadoop framed it (what parquet-mr wrote): frames, each its decompressed size as a big-endian
    /// 32-bit number, then the blocks that together decompress to it, each after its compressed size (Hadoop's
    /// <c>BlockCompressorStream</c> cuts what it is given at once into blocks of under 256 KiB, so a larger page is one
    /// frame of several blocks, and then ends the page with a frame of size 0 and no block). Null when the bytes are not such frames that fill <paramref name="target"/> exactly
    /// (they are then a raw block, as the format's readers take them).
    /// </summary>
    private static int? Lz4Hadoop(ReadOnlySpan<byte> source, Span<byte> target)
    {
        int written = 0;
        while (source.Length >= 4)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(source);
            if (size > (uint)(target.Length - written))
            {
                return null;
            }

            source = source[4..];
            var frame = target.Slice(written, (int)size);
            for (int filled = 0; filled < frame.Length;)
            {
                if (source.Length < 4)
                {
                    return null;
                }

                uint stored = BinaryPrimitives.ReadUInt32BigEndian(source);
                if (stored > (uint)(source.Length - 4))
                {
                    return null;
                }

                int block = K4os.Compression.LZ4.LZ4Codec.Decode(source.Slice(4, (int)stored), frame[filled..]);
                if (block <= 0)
                {
                    return null;
                }

                filled += block;
                source = source[(4 + (int)stored)..];
            }

            written += (int)size;
        }

        return source.IsEmpty && written == target.Length ? written : null;
    }

    /// <summary>A dictionary page's values: byte arrays as offsets into its bytes, integers as numbers.</summary>
    private sealed class PageDictionary(byte[] data, int[] starts, int[] lengths, long[]? integers)
    {
        public int Count => integers?.Length ?? starts.Length;

        /// <summary>About the memory it holds.</summary>
        public long Bytes => data.Length + (8L * starts.Length) + (8L * (integers?.Length ?? 0));

        public void Put(int entry, int index, ValueSink sink)
        {
            if ((uint)entry >= (uint)Count)
            {
                throw new InvalidDataException($"dictionary index {entry} of a dictionary of {Count} values");
            }

            if (integers is not null)
            {
                sink.Integer(index, integers[entry]);
            }
            else
            {
                sink.Bytes(index, data.AsSpan(starts[entry], lengths[entry]));
            }
        }
    }

    private sealed record Column(string Name, ValueKind Kind, int MaxDefinition, int Codec)
    {
        public bool IsBytes => Kind is ValueKind.String or ValueKind.Binary;

        public int Width => Kind is ValueKind.Int32 or ValueKind.UInt32 ? 4 : 8;

        public PageDictionary ReadDictionary(PageHeader header, byte[] page)
        {
            if (header.Encoding is not (Plain or PlainDictionary))
            {
                throw new UnsupportedPagesException($"column \"{Name}\": a dictionary page encoded {header.Encoding}");
            }

            int count = header.Values;
            if (count < 0 || (!IsBytes && (long)count * Width > page.Length) || (IsBytes && (long)count * 4 > page.Length))
            {
                throw new InvalidDataException($"column \"{Name}\": a dictionary of {count} values in {page.Length} bytes");
            }

            if (!IsBytes)
            {
                var integers = new long[count];
                for (int i = 0; i < count; i++)
                {
                    integers[i] = Width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(i * 4)) : BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(i * 8));
                }

                return new PageDictionary(page, [], [], integers);
            }

            var starts = new int[count];
            var lengths = new int[count];
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                int length = ReadLength(page, at);
                starts[i] = at + 4;
                lengths[i] = length;
                at += 4 + length;
            }

            return new PageDictionary(page, starts, lengths, null);
        }

        /// <summary>The values of rows <c>[start, end)</c> that fall in this page (its first row is <paramref name="firstRow"/>).</summary>
        public void ReadData(PageHeader header, byte[] page, PageDictionary? dictionary, long firstRow, long start, long end, ValueSink sink)
        {
            int values = header.Values;
            ReadOnlySpan<byte> data = page;
            ReadOnlySpan<byte> levels = default;
            if (header.Kind == PageKind.DataV2)
            {
                if (header.RepetitionBytes != 0)
                {
                    throw new UnsupportedPagesException($"column \"{Name}\": repetition levels");
                }

                levels = data[..header.DefinitionBytes];
                data = data[header.DefinitionBytes..];
            }
            else if (MaxDefinition > 0)
            {
                if (header.DefinitionEncoding != Rle)
                {
                    throw new UnsupportedPagesException($"column \"{Name}\": definition levels encoded {header.DefinitionEncoding}");
                }

                int length = ReadLength(page, 0);
                levels = data.Slice(4, length);
                data = data[(4 + length)..];
            }

            bool dictionaryEncoded = header.Encoding is PlainDictionary or RleDictionary;
            bool delta = IsBytes ? header.Encoding is DeltaLengthByteArray or DeltaByteArray : header.Encoding == DeltaBinaryPacked;
            if (!dictionaryEncoded && !delta && header.Encoding != Plain)
            {
                throw new UnsupportedPagesException($"column \"{Name}\": a data page encoded {header.Encoding}");
            }

            if (dictionaryEncoded && dictionary is null)
            {
                throw new InvalidDataException($"column \"{Name}\": a dictionary-encoded page without a dictionary page");
            }

            var definitions = new HybridDecoder(levels, MaxDefinition > 0 ? 1 : 0);
            var indices = dictionaryEncoded ? new HybridDecoder(data.IsEmpty ? data : data[1..], data.IsEmpty ? 0 : data[0]) : default;
            int at = 0; // PLAIN: the next value's offset in data; DELTA_BINARY_PACKED: the next value's index
            long[]? integers = null;
            DeltaByteArrays? arrays = null;
            long stop = Math.Min(end, firstRow + values);
            int needed = (int)Math.Max(0, stop - firstRow); // at most this many of the page's values are read
            if (delta && IsBytes)
            {
                arrays = DeltaByteArrays.Read(page, page.Length - data.Length, header.Encoding == DeltaByteArray, values, Name, needed);
            }
            else if (delta)
            {
                integers = DeltaEncodings.ReadBinaryPacked(data, ref at, values, Width, Name, needed);
                at = 0;
            }

            long row = firstRow;
            if (start > firstRow)
            {
                // The rows before the range, passed over a run at a time (a range deep in a big page of a split row
                // group would otherwise decode every value before it).
                long before = Math.Min(start, stop) - firstRow;
                long present = MaxDefinition == 0 ? before : definitions.Skip(before, MaxDefinition);
                if (dictionaryEncoded)
                {
                    indices.Skip(present);
                }
                else if (arrays is not null)
                {
                    arrays.Skip(present);
                }
                else if (integers is not null)
                {
                    at = (int)Math.Min(present, int.MaxValue);
                }
                else if (IsBytes)
                {
                    for (long k = 0; k < present; k++)
                    {
                        at += 4 + ReadLength(data, at);
                    }
                }
                else if (present > (data.Length - at) / Width)
                {
                    throw new InvalidDataException($"column \"{Name}\": a page ends before its values");
                }
                else
                {
                    at += (int)present * Width;
                }

                row += before;
            }

            for (; row < stop; row++)
            {
                bool present = MaxDefinition == 0 || definitions.Next() == MaxDefinition;
                int index = (int)(row - start);
                if (!present)
                {
                    sink.Null(index);
                }
                else if (dictionaryEncoded)
                {
                    dictionary!.Put(indices.Next(), index, sink);
                }
                else if (arrays is not null)
                {
                    sink.Bytes(index, arrays.Next());
                }
                else if (integers is not null)
                {
                    if (at >= integers.Length)
                    {
                        throw new InvalidDataException($"column \"{Name}\": a page of {integers.Length} delta-encoded values ends before its values");
                    }

                    sink.Integer(index, integers[at++]);
                }
                else if (IsBytes)
                {
                    int length = ReadLength(data, at);
                    sink.Bytes(index, data.Slice(at + 4, length));
                    at += 4 + length;
                }
                else
                {
                    if (at + Width > data.Length)
                    {
                        throw new InvalidDataException($"column \"{Name}\": a page ends before its values");
                    }

                    sink.Integer(index, Width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(data[at..]) : BinaryPrimitives.ReadInt64LittleEndian(data[at..]));
                    at += Width;
                }
            }
        }

        /// <summary>A page's <paramref name="stored"/> bytes in <paramref name="raw"/>, decompressed to <paramref name="length"/> bytes as they are read.</summary>
        public DecompressedPageStream Decompressing(Stream raw, long stored, long length) => new(Codec switch
        {
            Snappy => new SnappyRawStream(raw),
            Gzip => new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true),
            Brotli => new BrotliStream(raw, CompressionMode.Decompress, leaveOpen: true),
            Lz4 or Lz4Raw => new Lz4PageStream(raw, stored, length, hadoopFramesAllowed: Codec == Lz4),
            _ => new ZstdSharp.DecompressionStream(raw, leaveOpen: true),
        }, Name);

        /// <summary>A PLAIN byte array's 4-byte length at <paramref name="at"/>, checked against what follows it.</summary>
        private int ReadLength(ReadOnlySpan<byte> data, int at)
        {
            if (at < 0 || at + 4 > data.Length)
            {
                throw new InvalidDataException($"column \"{Name}\": a page ends before its values");
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            if (length < 0 || length > data.Length - at - 4)
            {
                throw new InvalidDataException($"column \"{Name}\": a value of {length} bytes runs off its page");
            }

            return length;
        }
    }
}
