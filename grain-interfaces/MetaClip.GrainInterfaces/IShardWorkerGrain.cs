using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Processes one shard of a job (key <c>{jobId}/{shardIndex}/{pass}[/{run}]</c>): a Parquet row group or a JSONL file
/// (or a range of one) — or, while the job plans, one of its files (key <c>{jobId}/{fileIndex}/plan[/{run}]</c>).
/// Every call is idempotent: a retried shard writes the same intermediate and its counts apply once.
/// Version 2 added <see cref="Plan"/>: during a rolling upgrade its calls go only to silos of version 2.
/// </summary>
[Alias("MetaClip.IShardWorkerGrain"), Version(2)]
[ClusterInternal]
public interface IShardWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Planning: splits one snapshot file (<paramref name="file"/>: its path, name and format; no row group or range)
    /// into its units, in order — reading it through when it is larger than the job's shard size.
    /// </summary>
    [Alias("Plan")]
    Task<PlannedUnit[]> Plan(ShardTask file);

    /// <summary>Pass 1: reads and matches the shard, stores its matches, applies its counts to the language partitions.</summary>
    [Alias("Match")]
    Task<ShardMatchSummary> Match(ShardTask task);

    /// <summary>Pass 2: decides the shard's images with the job's threshold table and writes its output parts.</summary>
    [Alias("Sample")]
    Task<ShardSampleSummary> Sample(ShardTask task, string thresholdTablePath);
}
