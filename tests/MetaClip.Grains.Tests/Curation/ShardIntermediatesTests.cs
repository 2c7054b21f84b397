using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.Options;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>Where shard intermediates live: the job's work folder, or (the embedded cluster) the silo's memory.</summary>
public class ShardIntermediatesTests
{
    [Fact]
    public async Task Intermediates_in_memory_give_the_engine_result_and_write_no_work_folder()
    {
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("cluster"));
        await RunEngineAsync(spec, work.Combine("engine"));
        var gate = new ShardGate();
        await using var cluster = await StartAsync(1, gate: gate, intermediatesInMemory: true);

        // Hold pass 2 after its first shard: by then every pass-1 result and one shard's pass-2 result exist.
        gate.Hold("Sample", pass: 1);
        await cluster.Client.GetGrain<ICurationJobGrain>("in-memory").Start(spec);
        await WaitAsync(cluster.Client, "in-memory", s => s.ShardsSampled >= 1 && gate.Held >= 1);
        Assert.False(Directory.Exists(work.Combine("cluster", ".work")), "no intermediate was written");

        gate.Open();
        var status = await WaitAsync(cluster.Client, "in-memory", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    [Fact]
    public async Task Intermediates_in_files_are_in_the_work_folder_while_the_job_runs_and_gone_after()
    {
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("cluster"));
        var gate = new ShardGate();
        await using var cluster = await StartAsync(1, gate: gate);
        gate.Hold("Sample", pass: 1);
        await cluster.Client.GetGrain<ICurationJobGrain>("in-files").Start(spec);
        await WaitAsync(cluster.Client, "in-files", s => s.ShardsSampled >= 1 && gate.Held >= 1);
        var files = Directory.GetFiles(work.Combine("cluster", ".work", "in-files")).Select(Path.GetFileName).ToList();
        Assert.Contains("shard-000000.matches", files);
        Assert.Contains("thresholds.table", files);
        Assert.Contains(files, f => f!.StartsWith("decisions-", StringComparison.Ordinal));

        gate.Open();
        var status = await WaitAsync(cluster.Client, "in-files", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.False(Directory.Exists(work.Combine("cluster", ".work")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_late_attempt_writes_no_part_once_its_job_has_ended(bool inMemory)
    {
        // A shard's attempt that timed out and ran again elsewhere can finish after its job ended and removed the work
        // folder; it must not bring the folder back with parts no one will take.
        using var work = new TempFolder();
        string workFolder = JobWorkFolder.Of(work.Combine("out"), "ended");
        var task = new ShardTask("ended", 0, "f.jsonl", "f.jsonl", 0, -1, workFolder, SampleSpec(work.Combine("out")) with { Parts = OutputParts.PerShard });
        using var intermediates = new ShardIntermediates(DataStore.Local, new ThresholdTableCache(DataStore.Local),
            Options.Create(new CurationSiloOptions { IntermediatesInMemory = inMemory, SingleSilo = inMemory }));
        var sampled = new SampledUnit([], [], new LanguageTallies());

        var e = await Assert.ThrowsAsync<CurationException>(() => intermediates.PutPartsAsync(JobWorkFolder.PartsOf(workFolder), JobWorkFolder.MatchesOf(task), 0,
            sampled, new PublishedColumns(false, null), task.Spec, CancellationToken.None));
        Assert.Contains("its job has ended", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("out", ".work")), "nothing was written");
    }
}
