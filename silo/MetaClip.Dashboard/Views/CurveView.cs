namespace MetaClip.Dashboard.Views;

/// <summary>A language's head/tail curve (counts by rank, log-spaced ranks) and its <c>t_lang</c>.</summary>
public sealed record CurveView(string Language, ulong Threshold, IReadOnlyList<long> Ranks, IReadOnlyList<long> Counts);
