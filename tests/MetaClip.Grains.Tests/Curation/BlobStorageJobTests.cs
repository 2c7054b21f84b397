using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>Jobs whose snapshot, metadata, intermediates and outputs are in Azure Blob Storage (Azurite).</summary>
public class BlobStorageJobTests
{
    [SkippableFact]
    public async Task A_two_silo_job_over_a_blob_snapshot_publishes_to_a_blob_prefix_exactly_what_the_engine_writes_locally()
    {
        await using var blobs = BlobFolders.Create();
        using var work = new TempFolder();
        var local = SampleSpec(work.Combine("engine"));
        await RunEngineAsync(local, work.Combine("engine"));
        var spec = local with
        {
            Snapshot = await blobs.UploadAsync(local.Snapshot, "snapshots/sample"),
            Metadata = await blobs.UploadAsync(local.Metadata, "metadata"),
            Output = blobs.Location("curated/sample"),
        };

        await using var cluster = await StartAsync(2, dataStorage: AzuriteStorage.Require());
        var status = await RunJobAsync(cluster, "blob-job", spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(blobs.Location("curated/sample"), status.Output);

        await blobs.DownloadAsync(status.Output!, work.Combine("cluster"));
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));

        // The intermediates (matches, threshold table, decision and curated parts) lived under .work/ and are gone.
        Assert.DoesNotContain(await blobs.NamesAsync("curated/sample"), n => n.StartsWith(".work/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_worker_silo_killed_in_pass_2_leaves_nothing_behind_that_another_silo_cannot_read_from_the_account()
    {
        // The production layout: grain state, snapshot, metadata, intermediates and outputs all in the storage
        // account, no shared disk. The victim wrote pass-1 intermediates and dies holding pass-2 shards; the
        // other silos run those from the intermediates in the account.
        string connection = AzuriteStorage.Require();
        await using var blobs = BlobFolders.Create();
        using var work = new TempFolder();
        string localSnapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 150);
        var local = SampleSpec(work.Combine("unused")) with { Snapshot = localSnapshot };
        await RunEngineAsync(local, work.Combine("engine"));
        var spec = local with
        {
            Snapshot = await blobs.UploadAsync(localSnapshot, "snapshot"),
            Metadata = await blobs.UploadAsync(local.Metadata, "metadata"),
            Output = blobs.Location("out"),
        };

        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, connection, "blob-kill-" + Guid.NewGuid().ToString("N"), gate, dataStorage: connection);
        string jobId = "blob-kill";
        var status = await cluster.Client.GetGrain<ICurationJobGrain>(jobId).GetStatus();
        var victim = cluster.Silos.First(s => s.SiloAddress.ToString() != status.Coordinator);
        gate.Hold("Sample", silo: victim.SiloAddress);
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        await WaitAsync(cluster.Client, jobId, s => s.Phase == CurationJobPhase.Sampling && gate.Held >= 1);
        await cluster.KillSiloAsync(victim);

        var done = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(done.Phase == CurationJobPhase.Done, done.Error);
        Assert.True(done.ShardRetries >= 1, "the victim's pass-2 shards ran again elsewhere");
        await blobs.DownloadAsync(blobs.Location("out"), work.Combine("cluster"));
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
        Assert.DoesNotContain(await blobs.NamesAsync("out"), n => n.StartsWith(".work/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_corrupt_blob_fails_the_job_naming_it_and_a_retry_with_skip_bad_files_finishes_without_it()
    {
        await using var blobs = BlobFolders.Create();
        using var work = new TempFolder();
        var local = SampleSpec(work.Combine("unused"));
        string snapshot = await blobs.UploadAsync(local.Snapshot, "snapshot");
        await blobs.WriteTextAsync("snapshot/zz-broken.jsonl", "{\"text\": \"a dog\", \"uuid\": \"u\", \"lang\": \"en\"}\n{not json\n");
        var spec = local with { Snapshot = snapshot, Metadata = await blobs.UploadAsync(local.Metadata, "metadata"), Output = blobs.Location("out") };

        await using var cluster = await StartAsync(2, dataStorage: AzuriteStorage.Require());
        var failed = await RunJobAsync(cluster, "broken", spec);
        Assert.Equal(CurationJobPhase.Failed, failed.Phase);
        Assert.Contains("zz-broken.jsonl", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.ShardsMatched > 0, "the shards that matched before the failure are kept");

        await cluster.Client.GetGrain<ICurationJobGrain>("broken").Retry(skipBadFiles: true);
        var done = await WaitAsync(cluster.Client, "broken", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(done.Phase == CurationJobPhase.Done, done.Error);
        Assert.Contains(done.SkippedFiles, f => f.Contains("zz-broken.jsonl", StringComparison.Ordinal));
        Assert.Contains("report.json", await blobs.NamesAsync("out"));
    }
}
