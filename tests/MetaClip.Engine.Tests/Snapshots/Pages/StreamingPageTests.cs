using MetaClip.Engine.Snapshots.Pages;
using Parquet;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// A row group split into row ranges, whose column chunk is one page (Parquet.Net writes them so): each range goes on
/// from where the last one left the page, instead of decoding the page from its start (which cost a 2M-row group split
/// into 20 ranges ten decodes of its text page a pass). Runs alone: other tests' pages could push its kept pages out of
/// the process-wide pool.
/// </summary>
[Collection(nameof(KeptReadsRunAlone))]
public sealed class StreamingPageTests : OneColumnFiles
{
    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task Consecutive_ranges_of_a_one_page_chunk_read_the_page_about_once_and_as_written(CompressionMethod codec)
    {
        string path = Dir.Combine($"one-page-{codec}.parquet");
        var random = new Random(17);
        var values = Enumerable.Range(0, 20_000).Select(i => random.Next(10) == 0 ? null : $"row {i} {new string((char)('a' + random.Next(26)), random.Next(0, 40))} ünï 中文").ToArray();
        await WriteAsync(path, values, codec);
        long chunkBytes = (await OnePageAsync(path)).ChunkBytes;

        var (got, read) = await ReadInRangesAsync(path, values.Length, streamAbove: 0);
        Same(values, got);
        // From its start each time, ten ranges would read 0.1 + 0.2 + … + 1.0 = 5.5 pages.
        Assert.True(read < chunkBytes * 1.3 + 10 * 4096, $"{codec}: {read:N0} bytes read for a chunk of {chunkBytes:N0}");
    }

    [Fact]
    public async Task A_page_left_part_way_is_not_gone_on_with_once_its_file_has_changed()
    {
        // Two files of the same layout (uncompressed, values of the same lengths, no nulls): only their bytes differ.
        string path = Dir.Combine("changing.parquet");
        var first = Enumerable.Range(0, 20_000).Select(i => $"first {i:D6} {new string('x', 30)}").ToArray();
        var second = Enumerable.Range(0, 20_000).Select(i => $"other {i:D6} {new string('y', 30)}").ToArray();
        await WriteAsync(path, first, CompressionMethod.None);
        var firstPages = (await OnePageAsync(path)).Pages;
        Same(first.Take(1), await ReadAsync(path, 0, 1, streamAbove: 0));
        Same(first.Take(10_000), await ReadAsync(path, 0, 10_000, streamAbove: 0)); // the page is kept at row 10,000

        await WriteAsync(path, second, CompressionMethod.None);
        Assert.Equal(firstPages, (await OnePageAsync(path)).Pages);
        Same(second.Skip(10_000), await ReadAsync(path, 10_000, 20_000, streamAbove: 0));
    }

    private static void Same(IEnumerable<string?> expected, IEnumerable<string?> actual)
    {
        var (want, got) = (expected.ToList(), actual.ToList());
        Assert.Equal(want.Count, got.Count);
        int differ = want.Zip(got).Select((p, i) => p.First == p.Second ? -1 : i).FirstOrDefault(i => i >= 0, -1);
        Assert.True(differ < 0, $"row {differ}: expected {(differ < 0 ? "" : want[differ])}, got {(differ < 0 ? "" : got[differ])}");
    }

    /// <summary>The file's layout, checking that its chunk is one data page: the case this is about.</summary>
    private static async Task<(long ChunkBytes, IReadOnlyList<PageHeader> Pages)> OnePageAsync(string path)
    {
        var layout = await LayoutAsync(path);
        Assert.Single(layout.Pages, p => p.Kind == PageKind.Data);
        return layout;
    }
}
