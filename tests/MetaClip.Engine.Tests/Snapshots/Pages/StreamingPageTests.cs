using MetaClip.Engine.Snapshots.Pages;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// A row group split into row ranges, whose column chunk is one page (Parquet.Net writes them so): each range goes on
/// from where the last one left the page, instead of decoding the page from its start (which cost a 2M-row group split
/// into 20 ranges ten decodes of its text page a pass).
/// </summary>
public sealed class StreamingPageTests : IDisposable
{
    private static readonly DataField Text = new("text", typeof(string), isNullable: true);

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Snappy)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Zstd)]
    public async Task Consecutive_ranges_of_a_one_page_chunk_read_the_page_about_once_and_as_written(CompressionMethod codec)
    {
        string path = _dir.Combine($"one-page-{codec}.parquet");
        var random = new Random(17);
        var values = Enumerable.Range(0, 20_000).Select(i => random.Next(10) == 0 ? null : $"row {i} {new string((char)('a' + random.Next(26)), random.Next(0, 40))} ünï 中文").ToArray();
        await WriteAsync(path, values, codec);
        long chunkBytes = await ChunkBytesAsync(path);

        long read = 0;
        var got = new List<string?>();
        for (int start = 0; start < values.Length; start += 2_000)
        {
            // A stream of its own per range, as each unit opens the file anew.
            await using var stream = new CountingStream(File.OpenRead(path));
            await using (var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true))
            {
                using var group = reader.OpenRowGroupReader(0);
                int end = Math.Min(values.Length, start + 2_000);
                var sink = new StringSink(new string?[end - start], ValueKind.String);
                long before = stream.BytesRead;
                await ColumnPageReader.ReadAsync(stream, group.GetMetadata(reader.Schema.DataFields[0])!, reader.Schema.DataFields[0],
                    start, end, sink, CancellationToken.None, streamAbove: 0, source: path);
                read += stream.BytesRead - before;
                got.AddRange(sink.Values);
            }
        }

        Same(values, got);
        // From its start each time, ten ranges would read 0.1 + 0.2 + … + 1.0 = 5.5 pages.
        Assert.True(read < chunkBytes * 1.3 + 10 * 4096, $"{codec}: {read:N0} bytes read for a chunk of {chunkBytes:N0}");
    }

    [Fact]
    public async Task A_page_left_part_way_is_not_gone_on_with_once_its_file_has_changed()
    {
        // Two files of the same layout (uncompressed, values of the same lengths, no nulls): only their bytes differ.
        string path = _dir.Combine("changing.parquet");
        var first = Enumerable.Range(0, 20_000).Select(i => $"first {i:D6} {new string('x', 30)}").ToArray();
        var second = Enumerable.Range(0, 20_000).Select(i => $"other {i:D6} {new string('y', 30)}").ToArray();
        await WriteAsync(path, first, CompressionMethod.None);
        var firstPages = await PagesAsync(path);
        Same(first.Take(1), await ReadAsync(path, 0, 1));
        Same(first.Take(10_000), await ReadAsync(path, 0, 10_000)); // the page is kept at row 10,000

        await WriteAsync(path, second, CompressionMethod.None);
        Assert.Equal(firstPages, await PagesAsync(path));
        Same(second.Skip(10_000), await ReadAsync(path, 10_000, 20_000));
    }

    private static void Same(IEnumerable<string?> expected, IEnumerable<string?> actual)
    {
        var (want, got) = (expected.ToList(), actual.ToList());
        Assert.Equal(want.Count, got.Count);
        int differ = want.Zip(got).Select((p, i) => p.First == p.Second ? -1 : i).FirstOrDefault(i => i >= 0, -1);
        Assert.True(differ < 0, $"row {differ}: expected {(differ < 0 ? "" : want[differ])}, got {(differ < 0 ? "" : got[differ])}");
    }

    private static async Task<string?[]> ReadAsync(string path, int start, int end)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        using var group = reader.OpenRowGroupReader(0);
        var field = reader.Schema.DataFields[0];
        var sink = new StringSink(new string?[end - start], ValueKind.String);
        await ColumnPageReader.ReadAsync(stream, group.GetMetadata(field)!, field, start, end, sink, CancellationToken.None, streamAbove: 0, source: path);
        return sink.Values;
    }

    private static async Task<IReadOnlyList<PageHeader>> PagesAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        using var group = reader.OpenRowGroupReader(0);
        var pages = await ColumnPageReader.PagesAsync(stream, group.GetMetadata(reader.Schema.DataFields[0])!, CancellationToken.None);
        Assert.Single(pages, p => p.Kind == PageKind.Data); // one page: the case this is about
        return pages;
    }

    private static async Task<long> ChunkBytesAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        using var group = reader.OpenRowGroupReader(0);
        await PagesAsync(path); // one data page
        return group.GetMetadata(reader.Schema.DataFields[0])!.MetaData!.TotalCompressedSize;
    }

    private static async Task WriteAsync(string path, string?[] values, CompressionMethod codec)
    {
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(Text), stream, new ParquetOptions { CompressionMethod = codec });
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(Text, values);
    }

    /// <summary>A read-only stream that counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            BytesRead += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
