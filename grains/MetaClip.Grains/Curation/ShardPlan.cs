namespace MetaClip.Grains.Curation;

/// <summary>One planned shard: a Parquet row group (<see cref="RowGroup"/> ≥ 0) or a whole JSONL file.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardPlan.v1")]
public sealed record ShardPlan(
    [property: Id(0)] string FilePath,
    [property: Id(1)] string FileName,
    [property: Id(2)] int FileFormat,
    [property: Id(3)] int RowGroup);
