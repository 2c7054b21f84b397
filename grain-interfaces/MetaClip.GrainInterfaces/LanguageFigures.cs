namespace MetaClip.GrainInterfaces;

/// <summary>
/// Per-language figures of a shard: texts and matched texts (pass 1), images decided and kept (pass 2), and
/// <see cref="Matches"/>, the sum of the shard's partial counts (what its partition must have added).
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.LanguageFigures.v1")]
public sealed record LanguageFigures(
    [property: Id(0)] string Language,
    [property: Id(1)] long Texts,
    [property: Id(2)] long MatchedTexts,
    [property: Id(3)] long ImagesDecided,
    [property: Id(4)] long ImagesKept,
    [property: Id(5)] long Matches = 0);
