using MetaClip.Engine.Snapshots.Pages;
using Parquet;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// A row group split into row ranges whose text column is dictionary-encoded (DuckDB and pyarrow write strings so): each
/// range needs the chunk's dictionary and starts in the page the range before it stopped in. Read again by every range,
/// a 2M-row group of 200 ranges decompressed its 13 MB dictionary 200 times a pass. Runs alone: it reads the
/// process-wide pages kept.
/// </summary>
[Collection(nameof(KeptReadsRunAlone))]
public sealed class DecodedPagesTests : OneColumnFiles
{
    [Fact]
    public async Task A_kept_dictionary_is_not_used_once_its_file_has_changed()
    {
        // Two files of the same layout (uncompressed, the same indices, words of the same lengths): only the words differ.
        string path = Dir.Combine("changing.parquet");
        string[] first = [.. Enumerable.Range(0, 500).Select(i => $"first {i:D6} {new string('x', 30)}")];
        string[] second = [.. first.Select(w => "other" + w["first".Length..])];
        int[] pick = [.. Enumerable.Range(0, 20_000).Select(i => (i * 7919) % first.Length)];
        await WriteAsync(path, [.. pick.Select(i => first[i])], CompressionMethod.None, dictionary: true);
        var layout = await DictionaryLayoutAsync(path);
        Assert.Equal(pick.Take(10_000).Select(i => first[i]), await ReadAsync(path, 0, 10_000)); // kept: the dictionary and the page

        await WriteAsync(path, [.. pick.Select(i => second[i])], CompressionMethod.None, dictionary: true);
        Assert.Equal(layout, await DictionaryLayoutAsync(path));
        Assert.Equal(pick.Skip(10_000).Select(i => second[i]), await ReadAsync(path, 10_000, 20_000));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task Consecutive_ranges_of_a_dictionary_encoded_chunk_read_its_dictionary_and_its_page_about_once(CompressionMethod codec)
    {
        string path = Dir.Combine($"dictionary-{codec}.parquet");
        var random = new Random(23);
        string[] words = [.. Enumerable.Range(0, 4_000).Select(i => $"caption {i} {new string((char)('a' + random.Next(26)), random.Next(10, 60))} ünï 中文")];
        var values = Enumerable.Range(0, 20_000).Select(_ => random.Next(10) == 0 ? null : words[random.Next(words.Length)]).ToArray();
        await WriteAsync(path, values, codec, dictionary: true);
        var (chunkBytes, dictionaryBytes) = await DictionaryLayoutAsync(path);

        // Counted for this file only: pages other tests left kept may idle out (after a minute) while this one runs.
        Assert.Equal(0, DecodedPages.Shared.BytesOf(path));
        long keptAfterFirst = 0;
        var (got, read) = await ReadInRangesAsync(path, values.Length, afterRange: start => keptAfterFirst = start == 0 ? DecodedPages.Shared.BytesOf(path) : keptAfterFirst);
        Assert.True(keptAfterFirst > dictionaryBytes, "the dictionary and the page the first range stopped in are kept");
        Assert.Equal(values, got);
        Assert.Equal(0, DecodedPages.Shared.BytesOf(path)); // the last range read both to their ends and dropped them
        // Read whole by each range, the ten would read the chunk ten times over.
        Assert.True(read < chunkBytes * 1.3 + 10 * 4096, $"{codec}: {read:N0} bytes read for a chunk of {chunkBytes:N0} (its dictionary {dictionaryBytes:N0})");
    }

    /// <summary>The chunk's bytes and its dictionary page's, checking that it is a dictionary page and one data page.</summary>
    private static async Task<(long Chunk, int Dictionary)> DictionaryLayoutAsync(string path)
    {
        var (chunkBytes, pages) = await LayoutAsync(path);
        Assert.Equal([PageKind.Dictionary, PageKind.Data], pages.Select(p => p.Kind));
        return (chunkBytes, pages[0].CompressedSize);
    }
}
