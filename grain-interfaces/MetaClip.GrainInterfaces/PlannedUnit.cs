namespace MetaClip.GrainInterfaces;

/// <summary>
/// One unit of a planned file, as a worker's plan returns it: a Parquet row group (<see cref="RowGroup"/> &gt;= 0) or the
/// whole JSONL file (-1), or a range of one (<see cref="RangeEnd"/> &gt; 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.PlannedUnit.v1")]
public sealed record PlannedUnit(
    [property: Id(0)] int RowGroup,
    [property: Id(1)] long RangeStart = 0,
    [property: Id(2)] long RangeEnd = 0,
    [property: Id(3)] int RangeFirstLine = 0);
