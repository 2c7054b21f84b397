using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// Regression (issue 16): with Azurite killed mid-job (acknowledged writes lost), a job ended Done with wrong counts,
/// or failed on an ETag conflict that <c>retry</c> could not get past. Storage that rolls back must never make a job
/// publish other bytes: it ends byte-identical to the engine, or fails saying that nothing was published.
/// </summary>
public sealed class StorageRollbackTests
{
    [Theory]
    [InlineData(1, 0.25)]
    [InlineData(2, 0.25)]
    [InlineData(3, 0.5)]
    [InlineData(4, 0.5)]
    [InlineData(5, 0.75)]
    public async Task A_job_whose_storage_loses_acknowledged_writes_publishes_the_engine_s_bytes_or_nothing(int seed, double dropShare)
    {
        using var work = new TempFolder();
        string snapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 150);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = snapshot };
        await RunEngineAsync(spec, work.Combine("engine"));

        // Language partitions and the job lose a seeded share of their writes, at whatever moment they come.
        var random = new Random(seed);
        LosingGrainStorage? storage = null;
        await using var cluster = await StartAsync(2, services: s => s.AddKeyedSingleton<IGrainStorage>(CurationStorage.Name, (sp, _) =>
            storage ??= new LosingGrainStorage(sp.GetRequiredService<Serializer>(), (_, grain) =>
            {
                lock (random)
                {
                    return (grain.Type.ToString() is "languagepartition" or "curationjob") && random.NextDouble() < dropShare;
                }
            })));
        var status = await RunJobAsync(cluster, $"rollback-{seed}", spec);

        if (status.Phase == CurationJobPhase.Done)
        {
            AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
        }
        else
        {
            Assert.Equal(CurationJobPhase.Failed, status.Phase);
            Assert.Contains("nothing was published", status.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(work.Combine("cluster"), "thresholds.json")), "a failed job publishes nothing");
        }

        Assert.True(storage!.Dropped > 0, "the storage lost some writes");
    }

    [Fact]
    public async Task A_partition_that_lost_acknowledged_shards_is_recounted_before_the_thresholds()
    {
        using var work = new TempFolder();
        string snapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 150);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = snapshot };
        await RunEngineAsync(spec, work.Combine("engine"));

        // Every second write of the English partition is lost: its next write conflicts, it reads the older state back
        // and forgets shards it had acknowledged. Only a recount of those shards gives the right counts.
        int englishWrites = 0;
        LosingGrainStorage? storage = null;
        await using var cluster = await StartAsync(1, services: s => s.AddKeyedSingleton<IGrainStorage>(CurationStorage.Name, (sp, _) =>
            storage ??= new LosingGrainStorage(sp.GetRequiredService<Serializer>(), (_, grain) =>
                grain.Type.ToString() == "languagepartition" && grain.Key.ToString()!.EndsWith("/en", StringComparison.Ordinal) && Interlocked.Increment(ref englishWrites) % 2 == 0)));
        var status = await RunJobAsync(cluster, "recount", spec);

        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(storage!.Dropped > 0, "the English partition lost writes");
        Assert.True(status.Recounts > 0, "missing shards were counted again");
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_job_whose_own_state_rolls_back_goes_on_to_Done_with_the_engine_s_bytes(int every)
    {
        // Regression (issue 16): the job's own state write met an ETag conflict after a rollback, the job failed and
        // `retry` then exited 70 with InconsistentStateException. A conflict on the job's state is merged and written
        // again: with only the job's writes lost, the job must end Done, never Failed.
        using var work = new TempFolder();
        string snapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 150);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = snapshot };
        await RunEngineAsync(spec, work.Combine("engine"));

        int jobWrites = 0;
        LosingGrainStorage? storage = null;
        await using var cluster = await StartAsync(2, services: s => s.AddKeyedSingleton<IGrainStorage>(CurationStorage.Name, (sp, _) =>
            storage ??= new LosingGrainStorage(sp.GetRequiredService<Serializer>(), (_, grain) =>
                grain.Type.ToString() == "curationjob" && Interlocked.Increment(ref jobWrites) % every == 0)));
        var status = await RunJobAsync(cluster, $"job-rollback-{every}", spec);

        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(storage!.Dropped > 0, "the job's state lost writes");
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }
}
