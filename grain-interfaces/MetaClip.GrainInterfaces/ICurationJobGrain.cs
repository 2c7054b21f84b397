using MetaClip.Engine.Pipeline;
using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Coordinates one curation job (key: the job id): plans the shards, runs pass 1 (match and count) on shard
/// workers across the cluster, waits for every shard's counts (the barrier), computes the thresholds from the
/// global counts, runs pass 2 (decide) and publishes the outputs. <see cref="Start"/> answers once the job is planned.
/// The job's spec, shard plan and per-shard progress are persisted: when the coordinator's silo dies, or the
/// whole cluster restarts, the next activation (a status call, or the job's reminder) resumes the job from
/// the persisted shard states and re-runs only the shards that had not finished.
/// </summary>
[Alias("MetaClip.ICurationJobGrain"), Version(1)]
public interface ICurationJobGrain : IGrainWithStringKey
{
    /// <summary>
    /// Plans and starts the job, persists it and answers once it is planned (idempotent: a started job returns its
    /// status). A job that cannot run (its options, its input) is refused with a
    /// <see cref="MetaClip.Engine.CurationException"/> naming why. Planning reads every JSON Lines file larger than the
    /// shard size once, to split it at image boundaries (15–20 s for a 2 GB file on a quiet 2-core machine, over 30 s on a loaded one), so the call
    /// may take minutes: its response timeout is 30 minutes.
    /// </summary>
    [Alias("Start"), ResponseTimeout("00:30:00")]
    Task<CurationJobStatus> Start(CurationOptions options);

    [Alias("GetStatus")]
    Task<CurationJobStatus> GetStatus();

    /// <summary>
    /// Stops the job: no new shard starts, nothing is published, its intermediates are removed. On a failed
    /// job it discards what the job had kept for a retry.
    /// </summary>
    [Alias("Cancel")]
    Task<CurationJobStatus> Cancel();

    /// <summary>
    /// Runs a failed job again from where it stopped: the shards that finished are kept, the others run again
    /// (with <paramref name="skipBadFiles"/>, an unreadable file or row group is then reported and left out).
    /// </summary>
    [Alias("Retry")]
    Task<CurationJobStatus> Retry(bool skipBadFiles);
}
