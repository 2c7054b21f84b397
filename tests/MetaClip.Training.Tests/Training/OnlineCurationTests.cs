using System.Text.Json;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Training.Tests.Training;

/// <summary>Online curation: the spec's draw with epoch = e over a job's matched pool.</summary>
public sealed class OnlineCurationTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Epoch_zero_draws_exactly_the_jobs_curated_set_and_later_epochs_draw_afresh()
    {
        string job = _dir.Combine("job");
        var curated = await FashionSample.CurateAsync(job);
        var pool = await OnlineCuration.BuildAsync(Options(job), 32, null, CancellationToken.None);

        // The job's decisions (decisions.jsonl) against the pool's draw at epoch 0: the same images kept, with the same texts.
        var expected = File.ReadLines(Path.Combine(job, "decisions.jsonl")).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            return (o.GetProperty("uuid").GetString()!, o.GetProperty("text_index").GetInt32(), o.GetProperty("kept").GetBoolean());
        }).Order().ToList();
        var epoch0 = pool.Decisions(0).Select(d => (d.Uuid, d.TextIndex, d.Kept)).Order().ToList();
        Assert.Equal(expected, epoch0);
        Assert.Equal(curated.Report.Totals.ImagesKept, pool.EpochPairs(0).Count);
        Assert.Equal(3000, pool.MatchedImages);

        // Epoch 1 is another balanced draw: about as many images, not the same ones.
        var kept0 = pool.EpochPairs(0).ToHashSet();
        var kept1 = pool.EpochPairs(1);
        Assert.InRange(kept1.Count, kept0.Count * 0.85, kept0.Count * 1.15);
        Assert.True(kept1.Count(kept0.Contains) < kept1.Count * 0.8, "epoch 1 should not repeat epoch 0's draw");

        // The head is held down in every epoch: English t-shirts (class 0, the head) stay near t_en = 60.
        int tshirts = kept1.Count(i => pool.Texts[i] == "t-shirt");
        Assert.InRange(tshirts, 30, 100);
        Assert.Empty(pool.Skipped);
    }

    [Fact]
    public async Task A_changed_snapshot_is_refused_by_online_training_because_its_thresholds_no_longer_match()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);

        // Point the job's report at the sample's metadata with English cut to half its entries: the counts change.
        string metadata = _dir.Combine("metadata");
        Directory.CreateDirectory(metadata);
        foreach (string file in Directory.GetFiles(FashionSample.Metadata))
        {
            File.Copy(file, Path.Combine(metadata, Path.GetFileName(file)));
        }

        var english = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(metadata, "en.json")))!;
        File.WriteAllText(Path.Combine(metadata, "en.json"), JsonSerializer.Serialize(english[..4]));
        string report = Path.Combine(job, "report.json");
        File.WriteAllText(report, File.ReadAllText(report).Replace(JsonSerializer.Serialize(FashionSample.Metadata)[1..^1], metadata.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal));

        var spec = new TrainingRunSpec { Job = job, Online = true };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TrainingRun.LoadPoolAsync(spec, 32, MetaClip.Engine.Storage.DataStore.Local, CancellationToken.None));
        Assert.Contains("the snapshot or metadata changed since the job ran", e.Message, StringComparison.Ordinal);
    }

    private static CurationOptions Options(string job) => new()
    {
        Snapshot = FashionSample.Snapshot,
        Metadata = FashionSample.Metadata,
        Output = job,
        TEn = 60,
        Columns = new SnapshotColumns { Lang = "lang" },
        MatcherCache = "off",
    };
}
