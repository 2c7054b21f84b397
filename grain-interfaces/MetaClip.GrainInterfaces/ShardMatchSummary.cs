namespace MetaClip.GrainInterfaces;

/// <summary>What pass 1 of a shard found: its rows, images and per-language figures, and its optional columns.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardMatchSummary.v1")]
public sealed record ShardMatchSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] int Rows,
    [property: Id(2)] int SkippedTexts,
    [property: Id(3)] int Images,
    [property: Id(4)] LanguageFigures[] Languages,
    [property: Id(5)] string? ImageColumn,
    [property: Id(6)] bool HasKey,
    [property: Id(7)] int MatchedImages = -1);
