namespace MetaClip.Grains.Curation;

/// <summary>
/// One planned shard: a Parquet row group (<see cref="RowGroup"/> ≥ 0) or a whole JSONL file, or a range of one
/// (<see cref="RangeEnd"/> &gt; 0; plans persisted before ranges existed read as whole units).
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardPlan.v1")]
public sealed record ShardPlan(
    [property: Id(0)] string FilePath,
    [property: Id(1)] string FileName,
    [property: Id(2)] int FileFormat,
    [property: Id(3)] int RowGroup,
    [property: Id(4)] long RangeStart = 0,
    [property: Id(5)] long RangeEnd = 0,
    [property: Id(6)] int RangeFirstLine = 0);
