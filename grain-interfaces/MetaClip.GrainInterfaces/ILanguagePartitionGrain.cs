using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Owns one metadata language's global count vector for one job (key <c>{jobId}/{language}</c>). A shard's
/// partial counts are applied exactly once: the grain records the shard id with the counts in one persisted
/// write before it acknowledges, and ignores a shard id it has already applied, so a retried or duplicated
/// delivery cannot count twice (Orleans calls are at-most-once; the caller retries on an unknown outcome).
/// </summary>
[Alias("MetaClip.ILanguagePartitionGrain"), Version(1)]
[ClusterInternal]
public interface ILanguagePartitionGrain : IGrainWithStringKey
{
    /// <summary>Applies a shard's partial counts; false when that shard was applied before (nothing changes).</summary>
    [Alias("ApplyPartial")]
    Task<bool> ApplyPartial(ShardPartialCounts counts);

    /// <summary>The global counts so far: one per entry of the list, zeros included.</summary>
    [Alias("GetCounts")]
    Task<LanguageCounts> GetCounts();
}

/// <summary>One shard's counts for one language: the entries it matched (ascending) and how many texts matched each.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardPartialCounts.v1")]
public sealed record ShardPartialCounts(
    [property: Id(0)] string ShardId,
    [property: Id(1)] int ListLength,
    [property: Id(2)] int[] EntryIds,
    [property: Id(3)] ulong[] Counts);

/// <summary>A language's global counts and the shards that made them (their ids, so that a coordinator can tell which are missing).</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.LanguageCounts.v1")]
public sealed record LanguageCounts(
    [property: Id(0)] ulong[] Counts,
    [property: Id(1)] int AppliedShards,
    [property: Id(2)] string[]? AppliedShardIds = null);
