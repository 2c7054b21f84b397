using MetaClip.Engine.Snapshots.Pages;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// Parquet files of one nullable text column in one row group, read a row range at a time with a stream of its own per
/// range (as each unit opens the file anew) and the file named, so that what one range keeps serves the next.
/// </summary>
public abstract class OneColumnFiles : IDisposable
{
    protected static readonly DataField Text = new("text", typeof(string), isNullable: true);

    /// <summary>Every codec the page reader reads.</summary>
    public static TheoryData<CompressionMethod> Codecs { get; } =
        [CompressionMethod.None, CompressionMethod.Snappy, CompressionMethod.Gzip, CompressionMethod.Brotli, CompressionMethod.Zstd, CompressionMethod.LZ4, CompressionMethod.Lz4Raw];

    protected TempFolder Dir { get; } = new();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes <paramref name="values"/>; <paramref name="dictionary"/> asks Parquet.Net for a dictionary page.</summary>
    protected static async Task WriteAsync(string path, string?[] values, CompressionMethod codec, bool dictionary = false)
    {
        var options = new ParquetOptions { CompressionMethod = codec };
        if (dictionary)
        {
            options.DictionaryEncodingThreshold = 1.0;
            options.ColumnEncodingHints[Text.Path.ToString()] = EncodingHint.Dictionary;
        }

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(Text), stream, options);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(Text, values);
    }

    /// <summary>Rows <c>[start, end)</c>; <paramref name="counted"/> is given the bytes read from the file.</summary>
    protected static async Task<string?[]> ReadAsync(string path, int start, int end, int streamAbove = ColumnPageReader.DefaultStreamAbove, Action<long>? counted = null)
    {
        await using var stream = new CountingStream(File.OpenRead(path));
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        using var group = reader.OpenRowGroupReader(0);
        var field = reader.Schema.DataFields[0];
        var sink = new StringSink(new string?[end - start], ValueKind.String);
        long before = stream.BytesRead;
        await ColumnPageReader.ReadAsync(stream, group.GetMetadata(field)!, field, start, end, sink, CancellationToken.None, streamAbove, source: path);
        counted?.Invoke(stream.BytesRead - before);
        return sink.Values;
    }

    /// <summary>All <paramref name="rows"/> rows, read in consecutive ranges of 2,000 (ten for 20,000), and the bytes they read.</summary>
    protected static async Task<(List<string?> Values, long BytesRead)> ReadInRangesAsync(string path, int rows, int streamAbove = ColumnPageReader.DefaultStreamAbove,
        Action<int>? afterRange = null)
    {
        long read = 0;
        var values = new List<string?>();
        for (int start = 0; start < rows; start += 2_000)
        {
            values.AddRange(await ReadAsync(path, start, Math.Min(rows, start + 2_000), streamAbove, bytes => read += bytes));
            afterRange?.Invoke(start);
        }

        return (values, read);
    }

    /// <summary>The chunk's bytes and its pages.</summary>
    private protected static async Task<(long ChunkBytes, IReadOnlyList<PageHeader> Pages)> LayoutAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        using var group = reader.OpenRowGroupReader(0);
        var chunk = group.GetMetadata(reader.Schema.DataFields[0])!;
        return (chunk.MetaData!.TotalCompressedSize, await ColumnPageReader.PagesAsync(stream, chunk, CancellationToken.None));
    }
}
