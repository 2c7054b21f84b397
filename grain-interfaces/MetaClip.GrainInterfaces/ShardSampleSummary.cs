namespace MetaClip.GrainInterfaces;

/// <summary>What pass 2 of a shard decided: its per-language images decided and kept.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardSampleSummary.v1")]
public sealed record ShardSampleSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] LanguageFigures[] Languages);
