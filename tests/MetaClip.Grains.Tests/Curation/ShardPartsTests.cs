using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// A job with one part per shard (<c>--parts per-shard</c>) on a cluster: each shard's worker writes its decisions and
/// curated parts into the job's work folder, and the publish only checks them and has the store move them into place.
/// The parts are the single-process engine's, byte for byte.
/// </summary>
public sealed class ShardPartsTests
{
    [SkippableFact]
    public async Task Two_silos_write_each_shard_s_parts_to_a_blob_prefix_and_they_are_the_engine_s_parts()
    {
        await using var blobs = BlobFolders.Create();
        using var work = new TempFolder();
        var local = await BigFileSpecAsync(work);
        await RunEngineAsync(local, work.Combine("engine"));
        var spec = local with
        {
            Snapshot = await blobs.UploadAsync(local.Snapshot, "snapshot"),
            Metadata = await blobs.UploadAsync(local.Metadata, "metadata"),
            Output = blobs.Location("out"),
        };

        await using var cluster = await StartAsync(2, dataStorage: AzuriteStorage.Require());
        var status = await RunJobAsync(cluster, "parts-blob", spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.Shards >= 3, $"{status.Shards} shards");
        await blobs.DownloadAsync(status.Output!, work.Combine("cluster"));
        AssertSameParts(work.Combine("engine"), work.Combine("cluster"));
        Assert.DoesNotContain(await blobs.NamesAsync("out"), n => n.StartsWith(".work/", StringComparison.Ordinal));
        var manifest = await OutputManifest.ReadAsync(blobs.Store, blobs.Location("out"), CancellationToken.None);
        Assert.Contains(manifest!.Files, f => f.StartsWith("decisions/part-", StringComparison.Ordinal));
        Assert.Contains(manifest.Files, f => f.StartsWith("curated/part-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_part_lost_before_the_publish_is_decided_again_and_the_outputs_are_the_engine_s()
    {
        using var work = new TempFolder();
        var spec = await BigFileSpecAsync(work);
        await RunEngineAsync(spec, work.Combine("engine"));
        var gate = new ShardGate();
        await using var cluster = await StartAsync(1, gate: gate, maxConcurrentShards: 1);

        // The first shard's pass 2 goes through and the rest wait; its decisions part is then removed from the work folder.
        gate.Hold("Sample", pass: 1);
        string jobId = "parts-lost";
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec with { Output = work.Combine("cluster") });
        string parts = Path.Combine(work.Combine("cluster", ".work", jobId, "parts"), "decisions");
        string lost = await FirstFileAsync(parts);
        File.Delete(lost);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(status.Shards + 1, gate.CallsOf("Sample"));
        Assert.Equal(0, status.ShardRetries); // deciding a lost part again is not a retry of a failed attempt
        Assert.False(Directory.Exists(work.Combine("cluster", ".work")), "the job's work folder is removed");
        AssertSameParts(work.Combine("engine"), work.Combine("cluster"));
        Assert.Equal(status.Shards, Directory.GetFiles(work.Combine("cluster", "decisions")).Length);
    }

    [Fact]
    public async Task A_retried_publish_takes_the_parts_its_stopped_commit_moved_and_no_earlier_job_s()
    {
        // A commit that stopped half way moved some parts into the output (after rewriting the manifest to name its job);
        // the retry's check finds them there. The same files under a manifest of another job are not taken.
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("out")) with { Parts = OutputParts.PerShard, Format = CuratedFormat.Jsonl };
        string workFolder = Grains.Curation.JobWorkFolder.Of(spec.Output, "job-a");
        var shards = Enumerable.Range(0, 2).Select(i => new ShardTask("job-a", i, "f.jsonl", "f.jsonl", 0, -1, workFolder, spec)).ToList();
        var sampled = new[] { new ShardSampleSummary(0, [], new ShardPartsWritten(4, 5, 1, 1)), new ShardSampleSummary(1, [], new ShardPartsWritten(6, 7, 1, 1)) };
        work.File("out/.work/job-a/parts/decisions/part-00000001.jsonl", "666666");
        work.File("out/.work/job-a/parts/curated/part-00000001.jsonl", "7777777");
        work.File("out/decisions/part-00000000.jsonl", "4444");
        work.File("out/curated/part-00000000.jsonl", "55555");
        string[] moved = ["curated/part-00000000.jsonl", "decisions/part-00000000.jsonl"];
        var store = Engine.Storage.DataStore.Local;

        await new OutputManifest("job-a", DateTimeOffset.UtcNow, moved).WriteAsync(store, spec.Output, CancellationToken.None);
        var check = await Grains.Curation.JobPublishing.CheckPartsAsync(store, spec, shards, sampled);
        Assert.Empty(check.Problems);
        Assert.Equal([work.Combine("out", "decisions", "part-00000000.jsonl"), work.Combine("out", "curated", "part-00000000.jsonl"),
            work.Combine("out", ".work", "job-a", "parts", "decisions", "part-00000001.jsonl"), work.Combine("out", ".work", "job-a", "parts", "curated", "part-00000001.jsonl")],
            check.Placed.Select(p => p.Location));

        await new OutputManifest("job-earlier", DateTimeOffset.UtcNow, moved).WriteAsync(store, spec.Output, CancellationToken.None);
        check = await Grains.Curation.JobPublishing.CheckPartsAsync(store, spec, shards, sampled);
        Assert.Equal([0, 0], check.Problems.Select(p => p.Shard));
        Assert.Contains("part-00000000.jsonl is missing", check.Problems[0].Problem, StringComparison.Ordinal);
    }

    private static async Task<string> FirstFileAsync(string folder)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder, "part-*.jsonl") is [var file, ..])
            {
                return file;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no part appeared in {folder}");
    }

    /// <summary>Every output but the report and manifest (which name the job and its times) is the same file, byte for byte.</summary>
    private static void AssertSameParts(string expected, string actual)
    {
        static List<string> Files(string root) => [.. Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("report.", StringComparison.Ordinal) && !f.StartsWith(".metaclip", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        var names = Files(expected);
        Assert.Contains(names, n => n.StartsWith("curated/part-", StringComparison.Ordinal));
        Assert.Equal(names, Files(actual));
        foreach (string name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs");
        }
    }

    private static Task<CurationOptions> BigFileSpecAsync(TempFolder work)
    {
        ImageRowsFile.Write(work.Combine("snapshot", "part-0.jsonl"), images: 14_000, seed: 21, scattered: 2);
        ImageRowsFile.Write(work.Combine("snapshot", "part-1.jsonl"), images: 500, seed: 22);
        return Task.FromResult(SampleSpec(work.Combine("cluster")) with
        {
            Snapshot = work.Combine("snapshot"),
            ShardBytes = 1L << 20,
            Format = CuratedFormat.Parquet,
            Parts = OutputParts.PerShard,
        });
    }
}
