using MetaClip.Engine;
using MetaClip.Engine.Snapshots;
using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>Language identification on the cluster: every silo loads lid.176 once and labels its shards' texts.</summary>
public sealed class LidJobTests
{
    [SkippableFact]
    public async Task A_job_without_a_language_column_identifies_languages_and_gives_the_engine_result_on_two_silos()
    {
        string model = LidModelFile.Require();
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("cluster")) with { Columns = new SnapshotColumns(), LidModel = model };
        await RunEngineAsync(spec, work.Combine("engine"));

        await using var cluster = await StartAsync(2);
        var status = await RunJobAsync(cluster, "lid-job", spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));

        // The labels are lid.176's, not the snapshot's own column (which this job does not read).
        var labelled = SampleSpec(work.Combine("labelled"));
        await RunEngineAsync(labelled, work.Combine("labelled"));
        Assert.NotEqual(File.ReadAllText(work.Combine("labelled", "thresholds.json")), File.ReadAllText(work.Combine("cluster", "thresholds.json")));
    }

    [SkippableFact]
    public async Task A_job_whose_lid_model_is_missing_or_broken_fails_the_start_naming_it()
    {
        using var work = new TempFolder();
        await using var cluster = await StartAsync(1);
        string missing = work.Combine("models", "lid.176.ftz");
        var spec = SampleSpec(work.Combine("out")) with { Columns = new SnapshotColumns(), LidModel = missing };
        var e = await Assert.ThrowsAsync<CurationException>(() => cluster.Client.GetGrain<ICurationJobGrain>("no-model").Start(spec));
        Assert.Contains(missing + ": no such file", e.Message, StringComparison.Ordinal);

        string broken = work.File("broken.ftz", "not a model at all");
        e = await Assert.ThrowsAsync<CurationException>(() => cluster.Client.GetGrain<ICurationJobGrain>("broken-model").Start(spec with { LidModel = broken }));
        Assert.Contains("broken.ftz: not a fastText model", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("out")));
    }
}
