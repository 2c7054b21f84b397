using System.IO.Compression;
using System.Text;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>Tests that count the process-wide kept reads run alone, so that no other test's reads are counted with theirs.</summary>
[CollectionDefinition(nameof(KeptReadsRunAlone), DisableParallelization = true)]
public sealed class KeptReadsRunAlone;

/// <summary>
/// A <c>.jsonl.gz</c> file split into byte ranges: each range goes on decompressing from where the last one stopped,
/// instead of decompressing the file from its start again (a file split into n shards cost about n/2 decompressions of
/// it a pass).
/// </summary>
[Collection(nameof(KeptReadsRunAlone))]
public sealed class GzipReadTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(CompressionLevel.Optimal)]
    [InlineData(CompressionLevel.NoCompression)]
    public async Task Consecutive_ranges_of_a_gzip_file_go_on_where_the_last_stopped_and_read_as_the_whole_file(CompressionLevel level)
    {
        var lines = Enumerable.Range(0, 30_000).Select(i => $"{{\"uuid\": \"u{i}\", \"text\": \"text {i} ünï 中文 {new string('x', i % 50)}\"}}\n").ToArray();
        string path = WriteGzip($"split-{level}.jsonl.gz", string.Concat(lines));
        var ranges = Ranges(lines, linesPerRange: 3_000);

        long before = GzipRead.Pool.Resumed;
        var texts = new List<string?>();
        foreach (var range in ranges)
        {
            var rows = await ReadAsync(path, range);
            Assert.Equal($"line {range.FirstLine}", rows.Locate(0));
            texts.AddRange(rows.Text);
        }

        Assert.Equal(lines.Select((_, i) => $"text {i} ünï 中文 {new string('x', i % 50)}"), texts);
        Assert.True(GzipRead.Pool.Resumed - before >= ranges.Count - 1, $"{GzipRead.Pool.Resumed - before} of {ranges.Count - 1} ranges went on from the last");

        // Read again out of order (a retried shard, a second pass): the same bytes, whichever read each range starts from.
        foreach (int i in new[] { 4, 2, 3, 9, 0, 9, 1 })
        {
            var rows = await ReadAsync(path, ranges[i]);
            Assert.Equal(texts.Skip(i * 3_000).Take(3_000), rows.Text);
        }
    }

    [Fact]
    public async Task A_read_left_part_way_is_not_gone_on_with_once_its_file_has_changed()
    {
        // Stored, not compressed: two files of lines of the same lengths have the same length; only their bytes differ.
        var first = Enumerable.Range(0, 20_000).Select(i => $"{{\"uuid\": \"u{i:D6}\", \"text\": \"first {i:D6}\"}}\n").ToArray();
        var second = Enumerable.Range(0, 20_000).Select(i => $"{{\"uuid\": \"u{i:D6}\", \"text\": \"other {i:D6}\"}}\n").ToArray();
        string path = WriteGzip("changing.jsonl.gz", string.Concat(first), CompressionLevel.NoCompression);
        long length = new FileInfo(path).Length;
        var ranges = Ranges(first, linesPerRange: 10_000);
        Assert.Equal("first 000000", (await ReadAsync(path, ranges[0])).Text[0]); // the read is kept at the second range's start

        WriteGzip("changing.jsonl.gz", string.Concat(second), CompressionLevel.NoCompression);
        Assert.Equal(length, new FileInfo(path).Length);
        var rows = await ReadAsync(path, ranges[1]);
        Assert.Equal(Enumerable.Range(10_000, 10_000).Select(i => $"other {i:D6}"), rows.Text);
    }

    private static async Task<UnitRows> ReadAsync(string path, UnitRange range)
    {
        var file = (await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0];
        return await JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(file, -1, range), new SnapshotColumns(), CancellationToken.None);
    }

    /// <summary>Byte ranges of <paramref name="linesPerRange"/> lines each, in the decompressed text.</summary>
    private static List<UnitRange> Ranges(string[] lines, int linesPerRange)
    {
        var ranges = new List<UnitRange>();
        long start = 0;
        for (int i = 0; i < lines.Length; i += linesPerRange)
        {
            long end = start + lines.Skip(i).Take(linesPerRange).Sum(l => (long)Encoding.UTF8.GetByteCount(l));
            ranges.Add(new UnitRange(start, end, i + 1));
            start = end;
        }

        return ranges;
    }

    private string WriteGzip(string name, string text, CompressionLevel level = CompressionLevel.Optimal)
    {
        string path = _dir.Combine(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, level);
        gzip.Write(Encoding.UTF8.GetBytes(text));
        return path;
    }
}
