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
        AssertSameParts(work.Combine("engine"), work.Combine("cluster"));
        Assert.Equal(status.Shards, Directory.GetFiles(work.Combine("cluster", "decisions")).Length);
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
