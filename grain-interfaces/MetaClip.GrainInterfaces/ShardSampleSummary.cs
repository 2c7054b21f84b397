namespace MetaClip.GrainInterfaces;

/// <summary>
/// What pass 2 of a shard decided: its per-language images decided and kept; and, in a job with one part per shard, the
/// parts its worker wrote (null: a job with one part, or a worker of an older build).
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardSampleSummary.v1")]
public sealed record ShardSampleSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] LanguageFigures[] Languages,
    [property: Id(2)] ShardPartsWritten? Parts = null);
