using System.Text.Json;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata.Building;
using MetaClip.Engine.Pipeline;

namespace MetaClip.Engine.Tests.Metadata.Building;

/// <summary>The builder on the real Open Multilingual Wordnet and FrequencyWords files of <c>shared/data</c>.</summary>
public sealed class RealSourcesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Omw_and_frequency_lists_build_metadata_that_loads_and_curates()
    {
        string shared = SharedFolder.Require();
        var options = new MetadataBuildOptions
        {
            WordNet = Path.Combine(shared, "data", "omw-data"),
            UnigramCounts = Path.Combine(shared, "data", "frequencywords", "top10k"),
            Languages = new HashSet<string> { "no", "nn", "sq", "zh", "da", "en" },
            Output = _dir.Combine("meta"),
        };
        var result = await new MetadataBuilder(options).BuildAsync();
        Assert.Equal(["da", "en", "nn", "no", "sq", "zh"], result.Entries.Keys.Order(StringComparer.Ordinal));

        List<string> Read(string language) => JsonSerializer.Deserialize<List<string>>(File.ReadAllText(_dir.Combine("meta", language + ".json")))!;

        // nob → no, als (Albanian) → sq, cmn and qcn → zh; FrequencyWords' zh_cn and zh_tw are zh too.
        Assert.Contains("kloster", Read("no"));
        Assert.Contains("entitet", Read("sq"));
        var manifest = JsonDocument.Parse(File.ReadAllText(_dir.Combine("meta", "manifest.json"))).RootElement;
        var files = manifest.GetProperty("sources").GetProperty("wordnet").EnumerateArray().Select(f => f.GetProperty("file").GetString()).ToList();
        Assert.Contains("cow/wn-data-cmn.tab.gz", files);
        Assert.Contains("cwn/wn-data-qcn.tab.gz", files);
        Assert.Contains("nor/wn-data-nob.tab.gz", files);
        var zh = manifest.GetProperty("languages").GetProperty("zh");
        Assert.True(zh.GetProperty("wordnet").GetInt32() > 60_000);
        Assert.Equal(1_000, manifest.GetProperty("languages").GetProperty("en").GetProperty("unigrams").GetInt32()); // 10% of 10,000 words

        // The lists load as metadata (no entry twice) and a job curates with them.
        var set = await MetadataSet.LoadAsync(MetaClip.Engine.Storage.DataStore.Local, _dir.Combine("meta"), CurationMode.V2, CancellationToken.None);
        Assert.Equal("no", set.LidMap.Resolve("no"));
        Assert.Equal("other", set.LidMap.Resolve("de"));
        var run = await new CurationPipeline(new CurationOptions
        {
            Snapshot = Repository.Path("samples", "snapshot"),
            Metadata = _dir.Combine("meta"),
            Output = _dir.Combine("out"),
            TEn = 20,
            Columns = new MetaClip.Engine.Snapshots.SnapshotColumns { Lang = "lang" },
        }).RunAsync();
        Assert.True(run.Report.Totals.ImagesKept > 0);
    }
}
