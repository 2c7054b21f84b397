using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Processes one shard of a job (key <c>{jobId}/{shardIndex}/{pass}[/{run}]</c>): a Parquet row group or a JSONL file.
/// Both calls are idempotent: a retried shard writes the same intermediate and its counts apply once.
/// </summary>
[Alias("MetaClip.IShardWorkerGrain"), Version(1)]
public interface IShardWorkerGrain : IGrainWithStringKey
{
    /// <summary>Pass 1: reads and matches the shard, stores its matches, applies its counts to the language partitions.</summary>
    [Alias("Match")]
    Task<ShardMatchSummary> Match(ShardTask task);

    /// <summary>Pass 2: decides the shard's images with the job's threshold table and writes its output parts.</summary>
    [Alias("Sample")]
    Task<ShardSampleSummary> Sample(ShardTask task, string thresholdTablePath);
}
