using MetaClip.Cluster;
using MetaClip.Curation;
using MetaClip.Outputs;

namespace MetaClip.Client.Cluster;

/// <summary>Runs a curation job on a cluster and follows it to the end, reporting progress as it goes.</summary>
internal static class ClusterCuration
{
    /// <summary>The wire form of a job.</summary>
    public static CurationJobSpec Spec(CurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CurationJobSpec(Path.GetFullPath(options.Snapshot), Path.GetFullPath(options.Metadata), Path.GetFullPath(options.Output),
            options.TEn, options.P, options.Seed, options.Mode == CurationMode.V1 ? "v1" : "v2", options.Columns.Text, options.Columns.Url,
            options.Columns.Uuid, options.Columns.Lang, options.Format == CuratedFormat.Jsonl ? "jsonl" : "parquet", options.Threads, options.SkipBadFiles);
    }

    /// <summary>Follows a job until it ends, reporting progress; a failed job throws with its error.</summary>
    public static async Task<CurationJobStatus> FollowAsync(ICurationJobGrain job, IProgress<CurationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var status = await job.GetStatus().ConfigureAwait(false);
        while (status.Phase is not (CurationJobPhase.Done or CurationJobPhase.Failed or CurationJobPhase.Cancelled or CurationJobPhase.NotStarted))
        {
            Report(progress, status);
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            status = await job.GetStatus().ConfigureAwait(false);
        }

        return status.Phase switch
        {
            CurationJobPhase.Failed => throw new CurationException(status.Error ?? "the job failed"),
            CurationJobPhase.NotStarted => throw new CurationException($"no job {job.GetPrimaryKeyString()} on this cluster"),
            _ => status,
        };
    }

    public static async Task<CurationResult> RunAsync(IClusterClient client, CurationOptions options, IProgress<CurationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var spec = Spec(options);
        var job = client.GetGrain<ICurationJobGrain>("curate-" + Guid.NewGuid().ToString("N"));
        progress?.Report(new CurationProgress(CurationPhase.Planning, 0, 0, 0));
        CurationJobStatus status;
        try
        {
            status = await job.Start(spec).ConfigureAwait(false);
        }
        catch (CurationInputException e)
        {
            throw new CurationException(e.Message, e);
        }

        try
        {
            while (status.Phase is not (CurationJobPhase.Done or CurationJobPhase.Failed))
            {
                Report(progress, status);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                status = await job.GetStatus().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stop the job too, so that it publishes nothing and removes its intermediates.
            await job.Cancel().ConfigureAwait(false);
            throw;
        }

        if (status.Phase == CurationJobPhase.Failed)
        {
            throw new CurationException(status.Error ?? "the job failed");
        }

        Report(progress, status);
        string folder = Path.GetFullPath(options.Output);
        return new CurationResult(folder, ReportWriter.Read(folder));
    }

    private static void Report(IProgress<CurationProgress>? progress, CurationJobStatus status)
    {
        var (phase, done) = status.Phase switch
        {
            CurationJobPhase.Matching => (CurationPhase.Matching, status.ShardsMatched),
            CurationJobPhase.Thresholds => (CurationPhase.Thresholds, status.Shards),
            CurationJobPhase.Sampling => (CurationPhase.Sampling, status.ShardsSampled),
            CurationJobPhase.Publishing => (CurationPhase.Writing, status.Shards),
            CurationJobPhase.Done => (CurationPhase.Done, status.Shards),
            _ => (CurationPhase.Planning, 0),
        };
        progress?.Report(new CurationProgress(phase, done, status.Shards, status.Texts));
    }
}
