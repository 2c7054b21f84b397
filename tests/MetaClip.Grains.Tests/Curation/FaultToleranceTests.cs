using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using Orleans.TestingHost;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// Silos lost mid-job, on real in-process clusters whose grain state lives in Azure Blob Storage (Azurite):
/// the job finishes with the output of a run without failures, and no shard's counts are applied twice.
/// </summary>
public sealed class FaultToleranceTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [SkippableFact]
    public async Task Killing_a_worker_silo_in_pass_1_reruns_its_shards_and_counts_each_once()
    {
        string storage = AzuriteStorage.Require();
        var spec = await ManyShardSpecAsync();
        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, storage, "kill-pass1-" + Guid.NewGuid().ToString("N"), gate);
        string jobId = "kill-pass1";
        var coordinator = await CoordinatorSiloAsync(cluster, jobId);
        var workers = cluster.Silos.Where(s => s.SiloAddress != coordinator.SiloAddress).ToList();

        // Every Match call on a worker silo is held (which silo gets a shard is up to placement); the victim is a
        // worker silo holding one, and it dies with shards in flight.
        gate.Hold("Match", 0, workers.Select(w => w.SiloAddress));
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        var before = await WaitAsync(cluster.Client, jobId, s => s.ShardsMatched >= 3 && workers.Any(w => gate.HeldOn(w.SiloAddress) >= 1));
        Assert.Equal(CurationJobPhase.Matching, before.Phase);
        var victim = workers.First(w => gate.HeldOn(w.SiloAddress) >= 1);
        await cluster.KillSiloAsync(victim);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.ShardRetries >= 1, "the victim's shards ran again elsewhere");
        await AssertCountedOnceAsync(cluster, jobId, spec, status);
    }

    [SkippableFact]
    public async Task A_silo_stopping_gracefully_hands_its_running_shards_back_and_they_run_elsewhere()
    {
        string storage = AzuriteStorage.Require();
        var spec = await ManyShardSpecAsync();
        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, storage, "hand-back-" + Guid.NewGuid().ToString("N"), gate);
        string jobId = "hand-back";
        var coordinator = await CoordinatorSiloAsync(cluster, jobId);
        var workers = cluster.Silos.Where(s => s.SiloAddress != coordinator.SiloAddress).ToList();

        // Every Match call on a worker silo waits (on a stopping silo: until it starts shutting down, so the
        // workers see the shutdown). A worker silo holding one stops; then the other goes on.
        gate.Hold("Match", 0, workers.Select(w => w.SiloAddress));
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        await WaitAsync(cluster.Client, jobId, s => s.ShardsMatched >= 3 && workers.Any(w => gate.HeldOn(w.SiloAddress) >= 1));
        var stopping = workers.First(w => gate.HeldOn(w.SiloAddress) >= 1);
        await cluster.StopSiloAsync(stopping);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.ShardHandBacks >= 1, "the stopping silo handed its shards back");
        Assert.Equal(0, status.Resumes);
        await AssertCountedOnceAsync(cluster, jobId, spec, status);
    }

    [SkippableFact]
    public async Task Killing_the_coordinators_silo_in_pass_2_resumes_the_job_with_identical_output()
    {
        string storage = AzuriteStorage.Require();
        var spec = await ManyShardSpecAsync();
        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, storage, "kill-pass2-" + Guid.NewGuid().ToString("N"), gate);
        string jobId = "kill-pass2";
        var coordinator = await CoordinatorSiloAsync(cluster, jobId);

        // Pass 2 stops after a few shards, so the coordinator dies mid-pass with its progress checkpointed.
        gate.Hold("Sample", pass: 4);
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        var before = await WaitAsync(cluster.Client, jobId, s => s.Phase == CurationJobPhase.Sampling && s.ShardsSampled == 4 && s.ShardResultsPersisted == s.Shards + 4);
        await cluster.KillSiloAsync(coordinator);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(1, status.Resumes);
        Assert.NotEqual(before.Coordinator, status.Coordinator);

        // Regression (issue 20): no re-run was counted when the coordinator's own silo died, though the shards it had
        // started ran again. They count now (reason "resumed").
        Assert.True(status.ShardRetries >= 1, $"the shards the lost coordinator had started count as re-runs (retries: {status.ShardRetries})");
        await AssertCountedOnceAsync(cluster, jobId, spec, status);
    }

    [SkippableFact]
    public async Task Regression_a_silo_lost_while_the_coordinator_reads_the_partitions_counts_does_not_fail_the_job()
    {
        // CI, 2026-12-05: a silo killed just as pass 1 ended failed the job ("The target silo became unavailable for
        // message: ... ILanguagePartitionGrain.GetCounts()"): the coordinator's read of a partition on the dead silo was
        // the one cluster call it made without riding out a lost silo. It asks again now, and the partition comes back
        // elsewhere from its persisted state.
        string storage = AzuriteStorage.Require();
        var spec = await ManyShardSpecAsync();
        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, storage, "kill-counts-" + Guid.NewGuid().ToString("N"), gate);
        string jobId = "kill-counts";
        var coordinator = await CoordinatorSiloAsync(cluster, jobId);
        var workers = cluster.Silos.Where(s => s.SiloAddress != coordinator.SiloAddress).ToList();

        gate.Hold(nameof(ILanguagePartitionGrain.GetCounts), 0, workers.Select(w => w.SiloAddress));
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        await WaitAsync(cluster.Client, jobId, _ => workers.Any(w => gate.HeldOn(w.SiloAddress) >= 1));
        var victim = workers.First(w => gate.HeldOn(w.SiloAddress) >= 1);
        await cluster.KillSiloAsync(victim);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(0, status.Resumes);
        await AssertCountedOnceAsync(cluster, jobId, spec, status);
    }

    [SkippableFact]
    public async Task Restarting_the_whole_cluster_mid_job_resumes_from_the_persisted_shard_states()
    {
        string storage = AzuriteStorage.Require();
        var spec = await ManyShardSpecAsync();
        string service = "restart-" + Guid.NewGuid().ToString("N");
        string jobId = "restart";
        int shards, matchedBefore;
        var gate = new ShardGate();
        await using (var first = await StartAsync(2, storage, service, gate))
        {
            gate.Hold("Match", pass: 7);
            await first.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
            var before = await WaitAsync(first.Client, jobId, s => s.ShardsMatched == 7 && s.ShardResultsPersisted == 7);
            shards = before.Shards;
            matchedBefore = before.ShardsMatched;
            foreach (var silo in first.Silos.ToList())
            {
                await first.KillSiloAsync(silo);
            }
        }

        // A new cluster of the same service: the job resumes on its first status call and runs only the rest.
        var counter = new ShardGate();
        await using var second = await StartAsync(2, storage, service, counter);
        var status = await WaitAsync(second.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(1, status.Resumes);
        Assert.Equal(shards - matchedBefore, counter.CallsOf("Match"));
        Assert.Equal(shards, counter.CallsOf("Sample"));
        await AssertCountedOnceAsync(second, jobId, spec, status);
    }

    private async Task<CurationOptions> ManyShardSpecAsync()
    {
        // The sample's 4,650 real rows in 31 files: enough shards for every silo to hold some.
        string snapshot = await SampleJsonl.WriteAsync(_work.Combine("snapshot"), rowsPerFile: 150);
        return SampleSpec(_work.Combine("cluster")) with { Snapshot = snapshot };
    }

    private static async Task<InProcessSiloHandle> CoordinatorSiloAsync(InProcessTestCluster cluster, string jobId)
    {
        // Activating the coordinator before the job starts tells which silo it lives on.
        var status = await cluster.Client.GetGrain<ICurationJobGrain>(jobId).GetStatus();
        return cluster.Silos.Single(s => s.SiloAddress.ToString() == status.Coordinator);
    }

    /// <summary>The output equals the engine's, and every language's counts were made by each shard exactly once.</summary>
    private async Task AssertCountedOnceAsync(InProcessTestCluster cluster, string jobId, CurationOptions spec, CurationJobStatus status)
    {
        await RunEngineAsync(spec, _work.Combine("engine"));
        AssertSameOutputs(_work.Combine("engine"), _work.Combine("cluster"));
        foreach (var language in status.Languages.Where(l => l.MatchedTexts > 0))
        {
            var counts = await cluster.Client.GetGrain<ILanguagePartitionGrain>($"{jobId}/{language.Language}").GetCounts();
            var expected = File.ReadLines(_work.Combine("engine", "entry_counts", language.Language + ".jsonl"))
                .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
                .ToDictionary(e => e.GetProperty("id").GetInt32(), e => e.GetProperty("count").GetUInt64());
            for (int id = 0; id < counts.Counts.Length; id++)
            {
                Assert.Equal(expected.GetValueOrDefault(id), counts.Counts[id]);
            }
        }
    }
}
