using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using Parquet;

namespace MetaClip.Engine.Tests.Pipeline;

/// <summary>
/// <c>--parts per-shard</c>: each shard's decisions and kept rows are parts of their own. Read in name order, the parts
/// hold exactly what the one-part layout writes, in the same order; and a folder switched from one layout to the other
/// keeps nothing of the first.
/// </summary>
public sealed class OutputPartsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Per_shard_json_lines_parts_in_name_order_are_the_one_part_outputs_byte_for_byte()
    {
        ImageRowsFile.Write(_dir.Combine("snapshot", "part-0.jsonl"), images: 14_000, seed: 11, scattered: 2);
        ImageRowsFile.Write(_dir.Combine("snapshot", "part-1.jsonl"), images: 700, seed: 12);
        var spec = JsonlSpec("one");
        await new CurationPipeline(spec).RunAsync();
        var result = await new CurationPipeline(spec with { Output = _dir.Combine("parts"), Parts = OutputParts.PerShard }).RunAsync();

        var curated = Directory.GetFiles(_dir.Combine("parts", "curated")).Order(StringComparer.Ordinal).ToList();
        var decisions = Directory.GetFiles(_dir.Combine("parts", "decisions")).Order(StringComparer.Ordinal).ToList();
        Assert.True(curated.Count >= 3, $"{curated.Count} curated parts");
        Assert.Equal(result.Report.Totals.Units, decisions.Count);
        Assert.All(curated, f => Assert.Matches(@"^part-\d{8}\.jsonl$", Path.GetFileName(f)));
        Assert.Equal(File.ReadAllBytes(_dir.Combine("one", "curated", "part-00000.jsonl")), Concat(curated));
        Assert.Equal(File.ReadAllBytes(_dir.Combine("one", "decisions.jsonl")), Concat(decisions));
        Assert.Equal(File.ReadAllBytes(_dir.Combine("one", "thresholds.json")), File.ReadAllBytes(_dir.Combine("parts", "thresholds.json")));
        Assert.Equal(File.ReadAllBytes(_dir.Combine("one", "entry_counts", "en.jsonl")), File.ReadAllBytes(_dir.Combine("parts", "entry_counts", "en.jsonl")));
        Assert.False(File.Exists(_dir.Combine("parts", "decisions.jsonl")));
        Assert.False(File.Exists(_dir.Combine("parts", "curated", "part-00000.jsonl")));

        // The manifest lists every part, so the next job in the folder knows them as this tool's.
        var manifest = await OutputManifest.ReadAsync(DataStore.Local, _dir.Combine("parts"), CancellationToken.None);
        Assert.Superset(curated.Concat(decisions).Select(f => Path.GetRelativePath(_dir.Combine("parts"), f).Replace('\\', '/')).ToHashSet(), manifest!.Files.ToHashSet());
    }

    [Fact]
    public async Task A_folder_switched_between_the_layouts_keeps_only_the_last_job_s_files()
    {
        ImageRowsFile.Write(_dir.Combine("snapshot", "part-0.jsonl"), images: 14_000, seed: 13, scattered: 2);
        var spec = JsonlSpec("out");
        await new CurationPipeline(spec with { Parts = OutputParts.PerShard }).RunAsync();
        Assert.True(Directory.GetFiles(_dir.Combine("out", "decisions")).Length >= 2);

        await new CurationPipeline(spec).RunAsync();
        Assert.False(Directory.Exists(_dir.Combine("out", "decisions")), "the parts' folder went with its parts");
        Assert.Equal(["part-00000.jsonl"], Directory.GetFiles(_dir.Combine("out", "curated")).Select(Path.GetFileName));

        await new CurationPipeline(spec with { Parts = OutputParts.PerShard }).RunAsync();
        Assert.False(File.Exists(_dir.Combine("out", "decisions.jsonl")));
        Assert.DoesNotContain("part-00000.jsonl", Directory.GetFiles(_dir.Combine("out", "curated")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Per_shard_parquet_parts_share_the_job_s_schema_and_hold_the_one_part_rows_with_their_images()
    {
        var spec = new CurationOptions
        {
            Snapshot = FashionSample.Snapshot,
            Metadata = FashionSample.Metadata,
            Output = _dir.Combine("one"),
            TEn = 60,
            Columns = new SnapshotColumns { Lang = "lang" },
            ShardRows = 1_000,
            MatcherCache = "off",
        };
        await new CurationPipeline(spec).RunAsync();
        await new CurationPipeline(spec with { Output = _dir.Combine("parts"), Parts = OutputParts.PerShard }).RunAsync();

        var parts = Directory.GetFiles(_dir.Combine("parts", "curated")).Order(StringComparer.Ordinal).ToList();
        Assert.True(parts.Count >= 2, $"{parts.Count} curated parts");
        var one = await ReadColumnsAsync([_dir.Combine("one", "curated", "part-00000.parquet")]);
        var joined = await ReadColumnsAsync(parts);
        Assert.Contains("image", one.Keys);
        Assert.Equal(one.Keys, joined.Keys);
        foreach (var (column, values) in one)
        {
            Assert.True(values.SequenceEqual(joined[column]), $"column {column} differs");
        }
    }

    private CurationOptions JsonlSpec(string output) => new()
    {
        Snapshot = _dir.Combine("snapshot"),
        Metadata = Repository.Path("samples", "metadata"),
        Output = _dir.Combine(output),
        TEn = 20,
        Format = CuratedFormat.Jsonl,
        Columns = new SnapshotColumns { Lang = "lang" },
        ShardBytes = 1L << 20,
        MatcherCache = "off",
    };

    private static byte[] Concat(IEnumerable<string> files) => [.. files.SelectMany(File.ReadAllBytes)];

    /// <summary>Every column's values over the files, in order, as text (the list column's ids with their repetition levels).</summary>
    private static async Task<Dictionary<string, List<string>>> ReadColumnsAsync(IEnumerable<string> files)
    {
        var columns = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            await using var reader = await ParquetReader.CreateAsync(file);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int n = checked((int)group.RowCount);
                foreach (var field in reader.Schema.GetDataFields())
                {
                    string name = field.Path.ToString();
                    var values = columns.TryGetValue(name, out var list) ? list : columns[name] = [];
                    if (field.Name is "image")
                    {
                        var read = new byte[]?[n];
                        await group.ReadAsync(field, read.AsMemory()!);
                        values.AddRange(read.Select(v => v is null ? "<null>" : Convert.ToBase64String(v)));
                    }
                    else if (field.Name is "prob")
                    {
                        var read = new double[n];
                        await group.ReadAsync(field, read.AsMemory());
                        values.AddRange(read.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
                    }
                    else if (field.Name is "element")
                    {
                        int count = checked((int)group.GetMetadata(field)!.MetaData!.NumValues);
                        var ids = new int[count];
                        var definitions = new int[count];
                        var repetitions = new int[count];
                        await group.ReadRawAsync(field, ids.AsMemory(), definitions.AsMemory(), repetitions.AsMemory());
                        values.AddRange(ids.Select((id, i) => $"{repetitions[i]}:{definitions[i]}:{id}"));
                    }
                    else
                    {
                        var read = new string?[n];
                        await group.ReadAsync(field, read.AsMemory()!);
                        values.AddRange(read.Select(v => v ?? "<null>"));
                    }
                }
            }
        }

        return columns;
    }
}
