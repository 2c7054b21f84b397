namespace MetaClip.GrainInterfaces;

/// <summary>
/// One language's threshold <c>t_lang</c> and its head/tail curve: the non-zero entry counts by descending rank, thinned
/// to log-spaced ranks (<see cref="Ranks"/>[i] has <see cref="Counts"/>[i] matches), as the report draws it.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.LanguageCurve.v1")]
public sealed record LanguageCurve(
    [property: Id(0)] string Language,
    [property: Id(1)] ulong Threshold,
    [property: Id(2)] long[] Ranks,
    [property: Id(3)] long[] Counts);
