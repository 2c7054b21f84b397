using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using Parquet;

namespace MetaClip.Engine.Tests.Pipeline;

public sealed class CurationStepsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_json_lines_output_does_not_read_the_image_bytes_a_parquet_output_carries()
    {
        // The curated JSON Lines have no image column, so pass 2 makes no read of the kept rows' images (most of an
        // image snapshot's bytes). Shown on the Fashion-MNIST sample with its image column's page header overwritten:
        // a JSON Lines job curates it as it curates the intact file, and a Parquet job, which must read the images,
        // fails naming the file.
        string damaged = _dir.Combine("damaged-snapshot");
        Directory.CreateDirectory(damaged);
        string file = Path.Combine(damaged, "part-00000.parquet");
        File.Copy(Path.Combine(FashionSample.Snapshot, "part-00000.parquet"), file);
        await DamageImageColumnAsync(file);

        await CurateAsync(FashionSample.Snapshot, "intact", CuratedFormat.Jsonl);
        var result = await CurateAsync(damaged, "damaged", CuratedFormat.Jsonl);
        Assert.True(result.Report.Totals.ImagesKept > 0);
        foreach (string name in new[] { "curated/part-00000.jsonl", "decisions.jsonl" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(_dir.Combine("intact", name)), await File.ReadAllBytesAsync(_dir.Combine("damaged", name)));
        }

        var e = await Assert.ThrowsAsync<CurationException>(() => CurateAsync(damaged, "parquet", CuratedFormat.Parquet));
        Assert.Contains("part-00000.parquet", e.Message, StringComparison.Ordinal);
    }

    private static async Task DamageImageColumnAsync(string file)
    {
        long offset;
        await using (var reader = await ParquetReader.CreateAsync(file))
        {
            var image = reader.Schema.GetDataFields().Single(f => f.Name == "image");
            using var group = reader.OpenRowGroupReader(0);
            var chunk = group.GetMetadata(image)!.MetaData!;
            offset = chunk.DictionaryPageOffset is > 0 and var dictionary ? Math.Min(dictionary, chunk.DataPageOffset) : chunk.DataPageOffset;
        }

        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(Enumerable.Repeat((byte)0xFF, 32).ToArray());
    }

    private Task<CurationResult> CurateAsync(string snapshot, string output, CuratedFormat format) =>
        new CurationPipeline(new CurationOptions
        {
            Snapshot = snapshot,
            Metadata = FashionSample.Metadata,
            Output = _dir.Combine(output),
            TEn = 60,
            Format = format,
            Columns = new SnapshotColumns { Lang = "lang" },
            MatcherCache = "off",
        }).RunAsync();
}
